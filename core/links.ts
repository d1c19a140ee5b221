/**
 * Signed links a person can tap: a notification carries a link to one incident's page that needs no
 * password, is scoped to that incident only, and expires. The token is the claims (incident, who it
 * was sent to, expiry) and an HMAC-SHA256 of them with the service's link secret, base64url:
 * `<claims>.<mac>`. Nothing is stored per link; revoking every link at once is changing the secret.
 * The secret comes from `LINK_SECRET`, else one is made at the first start and kept in the store.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export interface LinkClaims {
  /** The one incident the link opens and may acknowledge. */
  incident: number
  /** Who it was sent to (a contact's name or address), recorded in the audit log when used. */
  to: string
  /** Expiry, epoch seconds. */
  exp: number
}

/** How long a link works: long enough for a weekend, short enough that an old message is harmless. */
export const LINK_LIFETIME_MS = 7 * 24 * 3_600_000

export class LinkSigner {
  constructor(private readonly secret: Buffer) {
    if (secret.length < 32) throw new Error('the link secret must be at least 32 bytes')
  }

  sign(claims: LinkClaims): string {
    const body = Buffer.from(JSON.stringify([claims.incident, claims.to, claims.exp])).toString('base64url')
    return `${body}.${this.mac(body)}`
  }

  /** The claims of a token this service signed that has not expired by `nowMs`; undefined otherwise. */
  verify(token: string, nowMs: number): LinkClaims | undefined {
    const dot = token.indexOf('.')
    if (dot <= 0 || token.length > 2048) return undefined
    const body = token.slice(0, dot)
    const given = Buffer.from(token.slice(dot + 1), 'base64url')
    const want = Buffer.from(this.mac(body), 'base64url')
    if (given.length !== want.length || !timingSafeEqual(given, want)) return undefined
    let parsed: unknown
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
    } catch {
      return undefined
    }
    if (!Array.isArray(parsed) || parsed.length !== 3) return undefined
    const [incident, to, exp] = parsed as unknown[]
    if (!Number.isInteger(incident) || typeof to !== 'string' || !Number.isInteger(exp)) return undefined
    if ((exp as number) * 1000 <= nowMs) return undefined
    return { incident: incident as number, to, exp: exp as number }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(`schoolmeter-link:${body}`).digest('base64url')
  }
}

/** The store's key of the generated secret. */
export const LINK_SECRET_KEY = 'link_secret'

/**
 * The link secret: `LINK_SECRET` (at least 32 characters) when set, else the one kept in the
 * store, made on first use — so links survive restarts, and every worker of a district signs alike.
 */
export function linkSecret(
  env: { LINK_SECRET?: string | undefined },
  kept: { get(key: string): string | undefined; set(key: string, value: string): void },
): Buffer {
  if (env.LINK_SECRET) return Buffer.from(env.LINK_SECRET, 'utf8')
  let secret = kept.get(LINK_SECRET_KEY)
  if (!secret) {
    secret = randomBytes(32).toString('base64url')
    kept.set(LINK_SECRET_KEY, secret)
  }
  return Buffer.from(secret, 'utf8')
}

/** The address of an incident's page for a token: `{PUBLIC_URL}/i/{token}`. */
export function incidentLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/i/${token}`
}
