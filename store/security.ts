/**
 * Who may act through the API — bearer tokens, kept as scrypt hashes — and what was done with
 * them (the audit log). A token is `smt_<id>_<secret>`: the id finds its row, so checking a token
 * costs one scrypt, and the secret is shown once, when the token is made or rotated.
 */
import { randomBytes } from 'node:crypto'
import { SchoolmeterError } from '../core/errors.js'
import { type Message, msg } from '../core/i18n/index.js'
import { hashSecret, newSecret } from '../core/secrets.js'
import type { Db } from './db.js'

/** Each role can do what the one before it can, and more: read; acknowledge and resolve alerts; everything. */
export const ROLES = ['viewer', 'maintenance', 'admin'] as const
export type Role = (typeof ROLES)[number]

export const TOKEN_PREFIX = 'smt_'
const ID_PATTERN = /^[0-9a-f]{12}$/
/** Names that alert histories already use for someone who is not a token. */
const RESERVED_NAMES = new Set(['anonymous', 'rule', 'escalation'])

export interface ApiToken {
  id: string
  name: string
  role: Role
  createdAt: number
  lastUsedAt?: number
  revokedAt?: number
}

/** A token's row with its hash: for checking a presented token, never for showing. */
export interface ApiTokenRow extends ApiToken {
  hash: string
}

export class TokenError extends SchoolmeterError {
  constructor(
    code: 'TOKEN_NOT_FOUND' | 'TOKEN_NAME_TAKEN' | 'TOKEN_BAD_NAME' | 'TOKEN_BAD_ROLE' | 'TOKEN_REVOKED',
    sentence: Message,
    /** The HTTP status when the API raises it. */
    readonly status: number,
  ) {
    super(code, sentence)
  }
}

/** Splits `smt_<id>_<secret>`; undefined for anything else. */
export function parseToken(token: string): { id: string; secret: string } | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined
  const rest = token.slice(TOKEN_PREFIX.length)
  const cut = rest.indexOf('_')
  if (cut < 0) return undefined
  const id = rest.slice(0, cut)
  const secret = rest.slice(cut + 1)
  if (!ID_PATTERN.test(id) || secret.length < 16 || secret.length > 256) return undefined
  return { id, secret }
}

export function checkRole(role: string): Role {
  if (!(ROLES as readonly string[]).includes(role))
    throw new TokenError('TOKEN_BAD_ROLE', msg('token.error.badRole', { role, roles: [...ROLES] }), 400)
  return role as Role
}

export function checkName(name: string): string {
  const n = name.trim()
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (n.length === 0 || n.length > 64 || /[\u0000-\u001f\u007f]/.test(n))
    throw new TokenError('TOKEN_BAD_NAME', msg('token.error.badName', { name: JSON.stringify(name) }), 400)
  if (RESERVED_NAMES.has(n.toLowerCase()) || ID_PATTERN.test(n))
    throw new TokenError('TOKEN_BAD_NAME', msg('token.error.reservedName', { name: n }), 400)
  return n
}

/** A token's row as the database has it (SQLite and PostgreSQL alike). */
export interface Raw {
  id: string
  name: string
  role: Role
  hash: string
  created_at: number
  last_used_at: number | null
  revoked_at: number | null
}

export function fromRaw(r: Raw): ApiTokenRow {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    hash: r.hash,
    createdAt: r.created_at,
    ...(r.last_used_at !== null ? { lastUsedAt: r.last_used_at } : {}),
    ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
  }
}

/** A new token `smt_<id>_<secret>` (a new id unless given) and the hash to keep of it. */
export function mintToken(id = randomBytes(6).toString('hex')): { id: string; token: string; hash: string } {
  const token = `${TOKEN_PREFIX}${id}_${newSecret()}`
  return { id, token, hash: hashSecret(token) }
}

/** A token's row without its hash. */
export function tokenView({ hash: _hash, ...view }: ApiTokenRow): ApiToken {
  return view
}

export class ApiTokenRepository {
  constructor(private readonly db: Db) {}

  /** Makes a token; `token` is the only time its secret exists outside the caller. */
  add(name: string, role: string, now = Date.now()): { token: string; row: ApiTokenRow } {
    const n = checkName(name)
    const r = checkRole(role)
    const { id, token, hash } = mintToken()
    this.db.transaction(() => {
      if (this.activeByName(n))
        throw new TokenError('TOKEN_NAME_TAKEN', msg('token.error.nameTaken', { name: n }), 409)
      this.db
        .prepare('INSERT INTO api_tokens (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(id, n, r, hash, now)
    })()
    return { token, row: this.get(id)! }
  }

  get(id: string): ApiTokenRow | undefined {
    const r = this.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as Raw | undefined
    return r && fromRaw(r)
  }

  /** By id, or else the active token of that name. */
  find(idOrName: string): ApiTokenRow | undefined {
    return this.get(idOrName) ?? this.activeByName(idOrName.trim())
  }

  /** Like find, but says what to do when there is no such token. */
  resolve(idOrName: string): ApiTokenRow {
    const row = this.find(idOrName)
    if (!row) throw new TokenError('TOKEN_NOT_FOUND', msg('token.error.notFound', { ref: idOrName }), 404)
    return row
  }

  /** Active tokens, oldest first; with `includeRevoked` the revoked ones too. */
  list(includeRevoked = false): ApiToken[] {
    const sql = `SELECT * FROM api_tokens ${includeRevoked ? '' : 'WHERE revoked_at IS NULL'} ORDER BY created_at, id`
    return (this.db.prepare(sql).all() as Raw[]).map((r) => tokenView(fromRaw(r)))
  }

  /** A new secret for the same id, name and role; the old secret stops working at once. */
  rotate(idOrName: string): { token: string; row: ApiTokenRow } {
    const row = this.resolve(idOrName)
    if (row.revokedAt !== undefined) throw revoked(row)
    const { token, hash } = mintToken(row.id)
    this.db.prepare('UPDATE api_tokens SET hash = ? WHERE id = ?').run(hash, row.id)
    return { token, row: this.get(row.id)! }
  }

  revoke(idOrName: string, now = Date.now()): ApiTokenRow {
    const row = this.resolve(idOrName)
    if (row.revokedAt !== undefined) throw revoked(row)
    this.db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ?').run(now, row.id)
    return this.get(row.id)!
  }

  /** Whether any token can still be used: the API then asks every request for one. */
  hasActive(): boolean {
    return this.db.prepare('SELECT 1 FROM api_tokens WHERE revoked_at IS NULL LIMIT 1').get() !== undefined
  }

  activeCount(role?: Role): number {
    const row = (
      role
        ? this.db
            .prepare('SELECT count(*) AS n FROM api_tokens WHERE revoked_at IS NULL AND role = ?')
            .get(role)
        : this.db.prepare('SELECT count(*) AS n FROM api_tokens WHERE revoked_at IS NULL').get()
    ) as { n: number }
    return row.n
  }

  touch(id: string, at = Date.now()): void {
    this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(at, id)
  }

  private activeByName(name: string): ApiTokenRow | undefined {
    const r = this.db.prepare('SELECT * FROM api_tokens WHERE name = ? AND revoked_at IS NULL').get(name) as
      | Raw
      | undefined
    return r && fromRaw(r)
  }
}

export function revoked(row: ApiTokenRow): TokenError {
  return new TokenError('TOKEN_REVOKED', msg('token.error.revoked', { id: row.id, name: row.name }), 409)
}

export interface AuditEntry {
  id: number
  at: number
  /** A token's name, `anonymous` when the API asks for no token, `cli:<user>` for the admin CLI. */
  actor: string
  /** e.g. `alert.acknowledge`, `alert.resolve`, `token.create`, `token.rotate`, `token.revoke`. */
  action: string
  /** e.g. `alert:12`, `token:3f9a0c1b2d4e`. */
  target?: string
  detail?: Record<string, unknown>
}

export interface AuditFilter {
  actor?: string
  action?: string
  target?: string
  limit?: number
}

/** An audit entry's row as the database has it (SQLite and PostgreSQL alike). */
export interface AuditRaw {
  id: number
  at: number
  actor: string
  action: string
  target: string | null
  detail: string | null
}

export function auditFromRaw(r: AuditRaw): AuditEntry {
  return {
    id: r.id,
    at: r.at,
    actor: r.actor,
    action: r.action,
    ...(r.target !== null ? { target: r.target } : {}),
    ...(r.detail !== null ? { detail: JSON.parse(r.detail) } : {}),
  }
}

/** Every write action taken through the API or the admin CLI: who, what, on what. Append-only. */
export class AuditRepository {
  constructor(private readonly db: Db) {}

  record(e: Omit<AuditEntry, 'id' | 'at'>, at = Date.now()): number {
    return Number(
      this.db
        .prepare('INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)')
        .run(at, e.actor, e.action, e.target ?? null, e.detail ? JSON.stringify(e.detail) : null)
        .lastInsertRowid,
    )
  }

  /** Newest first. */
  list(f: AuditFilter = {}): AuditEntry[] {
    const where: string[] = []
    const values: unknown[] = []
    for (const key of ['actor', 'action', 'target'] as const) {
      if (f[key] !== undefined) {
        where.push(`${key} = ?`)
        values.push(f[key])
      }
    }
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`
    return (this.db.prepare(sql).all(...values, f.limit ?? 500) as AuditRaw[]).map(auditFromRaw)
  }
}
