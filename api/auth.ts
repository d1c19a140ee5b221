/**
 * Who is asking: a bearer token `smt_<id>_<secret>`, checked against its scrypt hash in the store.
 * scrypt costs ~50 ms, so a token that checked out is remembered for a minute, keyed by its
 * SHA-256; its row is still read on every request, so a revoke or a rotation — through the API or
 * the admin CLI of another process — takes effect at once. A token whose id is unknown or revoked
 * costs the same scrypt (against a hash of nothing), so the time of an answer does not tell which
 * ids exist.
 */

import { createHash } from 'node:crypto'
import { isLoopback } from '../core/net.js'
import { hashSecret, newSecret, verifySecret } from '../core/secrets.js'
import { type ApiTokenRow, type ApiTokenStore, parseToken, type Role } from '../store/index.js'

export interface Actor {
  /** The token's name; `anonymous` when no token was asked for. */
  name: string
  role: Role
  tokenId?: string
}

/** Whoever calls while the API asks for no token: the loopback demo, or ALLOW_ANONYMOUS=1. */
export const ANONYMOUS: Actor = { name: 'anonymous', role: 'admin' }

const RANK: Record<Role, number> = { viewer: 1, maintenance: 2, admin: 3 }

export function allows(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed]
}

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
export { isLoopback }

/** The token of an `Authorization: Bearer …` header; '' for a header that is not one. */
export function bearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)
  return m ? m[1]! : ''
}

interface Remembered {
  /** The stored hash the token matched (or failed to match). */
  hash: string
  until: number
}

export interface TokenVerifierOptions {
  /** How long a check is remembered. */
  cacheMs?: number
  /** Most tokens remembered at once, each way. */
  maxEntries?: number
  now?: () => number
  /** The secret check (scrypt); tests count its calls. */
  check?: (secret: string, hash: string) => Promise<boolean>
}

/** What an unknown token id is checked against: a hash no token matches. */
let nobodysHash: string | undefined

export class TokenVerifier {
  private readonly accepted = new Map<string, Remembered & { id: string }>()
  // A token that failed never becomes good (a new secret is a new token), so failures are kept
  // too: guessing with the same token again costs no scrypt.
  private readonly refused = new Map<string, Remembered>()
  private readonly pending = new Map<string, Promise<boolean>>()
  private readonly cacheMs: number
  private readonly maxEntries: number
  private readonly now: () => number
  private readonly check: (secret: string, hash: string) => Promise<boolean>

  constructor(
    private readonly tokens: ApiTokenStore,
    o: TokenVerifierOptions = {},
  ) {
    this.cacheMs = o.cacheMs ?? 60_000
    this.maxEntries = o.maxEntries ?? 1000
    this.now = o.now ?? Date.now
    this.check = o.check ?? verifySecret
  }

  /** The id of a token that checked out within the cache time, without checking it again (rate-limit keys). */
  recentId(token: string): string | undefined {
    const hit = this.accepted.get(digest(token))
    return hit && hit.until > this.now() ? hit.id : undefined
  }

  /** The actor a token stands for; undefined for a malformed, unknown, revoked or wrong token. */
  async verify(token: string): Promise<Actor | undefined> {
    // A malformed token is refused at once: its form is no secret.
    const parsed = parseToken(token)
    if (!parsed) return undefined
    const found = await this.tokens.get(parsed.id)
    const row = found && found.revokedAt === undefined ? found : undefined
    // Unknown and revoked ids go through the same steps and the same scrypt as a wrong secret.
    nobodysHash ??= hashSecret(newSecret())
    const hash = row ? row.hash : nobodysHash
    const key = digest(token)
    const now = this.now()
    const hit = this.accepted.get(key)
    if (row && hit && hit.until > now && hit.hash === hash) return actorOf(row)
    const miss = this.refused.get(key)
    if (miss && miss.until > now && miss.hash === hash) return undefined

    // Requests that arrive together with the same new token share one scrypt.
    let check = this.pending.get(key)
    if (!check) {
      check = this.check(token, hash).finally(() => this.pending.delete(key))
      this.pending.set(key, check)
    }
    const ok = (await check) && row !== undefined
    const until = this.now() + this.cacheMs
    if (ok) {
      remember(this.accepted, key, { hash, until, id: row.id }, this.maxEntries)
      this.refused.delete(key)
      await this.tokens.touch(row.id)
      return actorOf(row)
    }
    remember(this.refused, key, { hash, until }, this.maxEntries)
    return undefined
  }
}

function actorOf(row: ApiTokenRow): Actor {
  return { name: row.name, role: row.role, tokenId: row.id }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

function remember<T>(map: Map<string, T>, key: string, value: T, max: number): void {
  map.delete(key)
  // Maps keep insertion order: the first key is the oldest.
  while (map.size >= max) map.delete(map.keys().next().value!)
  map.set(key, value)
}
