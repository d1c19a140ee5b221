/**
 * People who sign in to the web app, and their sessions. A person has a login name, a name shown
 * in incident histories, one of the API's roles, and optionally the schools they look after; the
 * password is kept as a scrypt hash, as API tokens are. A session is a random token in an
 * HttpOnly cookie; the store keeps only its SHA-256, so a copy of the database opens no session.
 */
import { createHash, randomBytes } from 'node:crypto'
import { SchoolmeterError } from '../core/errors.js'
import { type Message, msg } from '../core/i18n/index.js'
import type { Db } from './db.js'
import { checkRole, type Role } from './security.js'

export interface User {
  id: number
  /** What the person types to sign in; unique, compared without case. */
  username: string
  /** How histories and the audit log name them ("王师傅"); the username when not given. */
  name: string
  role: Role
  /** The schools they look after; undefined = every school. */
  schools?: string[]
  createdAt: number
  lastLoginAt?: number
  disabledAt?: number
}

/** A user's row with the password hash: for checking a password, never for showing. */
export interface UserRow extends User {
  hash: string
}

export class UserError extends SchoolmeterError {
  constructor(
    code: 'USER_NOT_FOUND' | 'USER_NAME_TAKEN' | 'USER_BAD_NAME' | 'USER_DISABLED',
    sentence: Message,
  ) {
    super(code, sentence)
  }
}

/** Letters, digits and `._-@`, as login names usually are; no spaces to mistype. */
const USERNAME = /^[\p{L}\p{N}][\p{L}\p{N}._@-]{0,63}$/u

export function checkUsername(username: string): string {
  const u = username.trim()
  if (!USERNAME.test(u)) throw new UserError('USER_BAD_NAME', msg('user.error.badUsername', { username }))
  return u
}

export function checkDisplayName(name: string): string {
  const n = name.trim()
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (n.length === 0 || n.length > 64 || /[\u0000-\u001f\u007f]/.test(n))
    throw new UserError('USER_BAD_NAME', msg('user.error.badName', { name: JSON.stringify(name) }))
  return n
}

/** A user's row as the database has it (SQLite and PostgreSQL alike). */
export interface Raw {
  id: number
  username: string
  name: string | null
  role: Role
  schools: string | null
  hash: string
  created_at: number
  last_login_at: number | null
  disabled_at: number | null
}

export function fromRaw(r: Raw): UserRow {
  return {
    id: r.id,
    username: r.username,
    name: r.name ?? r.username,
    role: r.role,
    ...(r.schools !== null ? { schools: JSON.parse(r.schools) as string[] } : {}),
    hash: r.hash,
    createdAt: r.created_at,
    ...(r.last_login_at !== null ? { lastLoginAt: r.last_login_at } : {}),
    ...(r.disabled_at !== null ? { disabledAt: r.disabled_at } : {}),
  }
}

export function userView({ hash: _hash, ...user }: UserRow): User {
  return user
}

export interface NewUser {
  username: string
  name?: string
  role: string
  schools?: string[]
  /** The scrypt hash of the password (core/secrets.ts). */
  hash: string
}

/** The `column = ?` terms of a user's update and their values, each value checked, in order. */
export function userChanges(changes: {
  name?: string
  role?: string
  schools?: string[] | null
  hash?: string
}): { sets: string[]; values: unknown[] } {
  const sets: string[] = []
  const values: unknown[] = []
  if (changes.name !== undefined) {
    sets.push('name = ?')
    values.push(checkDisplayName(changes.name))
  }
  if (changes.role !== undefined) {
    sets.push('role = ?')
    values.push(checkRole(changes.role))
  }
  if (changes.schools !== undefined) {
    sets.push('schools = ?')
    values.push(changes.schools === null ? null : JSON.stringify(changes.schools))
  }
  if (changes.hash !== undefined) {
    sets.push('hash = ?')
    values.push(changes.hash)
  }
  return { sets, values }
}

export class UserRepository {
  constructor(private readonly db: Db) {}

  add(u: NewUser, now = Date.now()): UserRow {
    const username = checkUsername(u.username)
    const name = u.name !== undefined ? checkDisplayName(u.name) : null
    const role = checkRole(u.role)
    return this.db.transaction(() => {
      if (this.byUsername(username))
        throw new UserError('USER_NAME_TAKEN', msg('user.error.taken', { username }))
      const id = Number(
        this.db
          .prepare(
            'INSERT INTO users (username, name, role, schools, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run(username, name, role, u.schools ? JSON.stringify(u.schools) : null, u.hash, now)
          .lastInsertRowid,
      )
      return this.get(id)!
    })()
  }

  get(id: number): UserRow | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as Raw | undefined
    return r && fromRaw(r)
  }

  /** By login name, whatever its case. */
  byUsername(username: string): UserRow | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE username = ? COLLATE NOCASE').get(username.trim()) as
      | Raw
      | undefined
    return r && fromRaw(r)
  }

  /** Like byUsername, but says what to do when there is no such person. */
  resolve(username: string): UserRow {
    const row = this.byUsername(username)
    if (!row) throw new UserError('USER_NOT_FOUND', msg('user.error.notFound', { username }))
    return row
  }

  /** Oldest first; with `includeDisabled` the disabled ones too. */
  list(includeDisabled = false): User[] {
    const sql = `SELECT * FROM users ${includeDisabled ? '' : 'WHERE disabled_at IS NULL'} ORDER BY id`
    return (this.db.prepare(sql).all() as Raw[]).map((r) => userView(fromRaw(r)))
  }

  /** Whether anyone can sign in: the web app then asks for a sign-in (see web/session.ts). */
  hasActive(): boolean {
    return this.db.prepare('SELECT 1 FROM users WHERE disabled_at IS NULL LIMIT 1').get() !== undefined
  }

  update(
    username: string,
    changes: { name?: string; role?: string; schools?: string[] | null; hash?: string },
  ): UserRow {
    const row = this.resolve(username)
    const { sets, values } = userChanges(changes)
    if (sets.length)
      this.db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`).run(...values, row.id)
    return this.get(row.id)!
  }

  /** The person can no longer sign in; their sessions end at once. */
  disable(username: string, now = Date.now()): UserRow {
    const row = this.resolve(username)
    if (row.disabledAt !== undefined)
      throw new UserError('USER_DISABLED', msg('user.error.disabled', { username: row.username }))
    this.db.transaction(() => {
      this.db.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').run(now, row.id)
      this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(row.id)
    })()
    return this.get(row.id)!
  }

  enable(username: string): UserRow {
    const row = this.resolve(username)
    this.db.prepare('UPDATE users SET disabled_at = NULL WHERE id = ?').run(row.id)
    return this.get(row.id)!
  }

  loggedIn(id: number, at = Date.now()): void {
    this.db.prepare('UPDATE users SET last_login_at = ? WHERE id = ?').run(at, id)
  }
}

export interface Session {
  /** SHA-256 of the cookie's token, base64url: what the store keeps. */
  id: string
  user: UserRow
  createdAt: number
  lastSeenAt: number
  expiresAt: number
}

export interface SessionLifetime {
  /** A session unused this long ends. */
  idleMs: number
  /** No session lasts longer than this, however often used. */
  maxMs: number
}

export function sessionId(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

/** A session touched within this is not written again: one write a minute per person at most. */
const TOUCH_EVERY_MS = 60_000

/** When a session opened at `now` ends unless it is used. */
export function openedExpiry(life: SessionLifetime, now: number): number {
  return Math.min(now + life.idleMs, now + life.maxMs)
}

/**
 * A session used at `now`: undefined when it has ended (or its person is disabled), else the
 * session as it now is and whether its new lifetime is to be written.
 */
export function sessionUse(
  s: Session,
  life: SessionLifetime,
  now: number,
): { session: Session; touched: boolean } | undefined {
  if (s.expiresAt <= now || s.user.disabledAt !== undefined) return undefined
  if (now - s.lastSeenAt < TOUCH_EVERY_MS) return { session: s, touched: false }
  const expires = Math.min(now + life.idleMs, s.createdAt + life.maxMs)
  return { session: { ...s, lastSeenAt: now, expiresAt: expires }, touched: true }
}

export class SessionRepository {
  constructor(
    private readonly db: Db,
    private readonly users: UserRepository,
  ) {}

  /** Opens a session; `token` goes into the cookie and exists nowhere else. */
  open(userId: number, life: SessionLifetime, now = Date.now()): { token: string; session: Session } {
    const token = randomBytes(32).toString('base64url')
    const id = sessionId(token)
    const expires = openedExpiry(life, now)
    this.db
      .prepare(
        'INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(id, userId, now, now, expires)
    // Old sessions go as new ones come: the table never grows with expired rows.
    this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now)
    return { token, session: this.get(id)! }
  }

  /** The live session of a cookie's token, its lifetime extended; undefined when unknown, expired or its person disabled. */
  find(token: string, life: SessionLifetime, now = Date.now()): Session | undefined {
    const s = this.get(sessionId(token))
    const use = s && sessionUse(s, life, now)
    if (!use) return undefined
    if (use.touched)
      this.db
        .prepare('UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?')
        .run(now, use.session.expiresAt, use.session.id)
    return use.session
  }

  close(token: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id = ?').run(sessionId(token))
  }

  /** Ends every session of a person (a new password, a disabled login). */
  closeAll(userId: number): number {
    return this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId).changes
  }

  count(userId?: number): number {
    const row = (
      userId === undefined
        ? this.db.prepare('SELECT count(*) AS n FROM sessions').get()
        : this.db.prepare('SELECT count(*) AS n FROM sessions WHERE user_id = ?').get(userId)
    ) as { n: number }
    return row.n
  }

  private get(id: string): Session | undefined {
    const r = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as
      | { id: string; user_id: number; created_at: number; last_seen_at: number; expires_at: number }
      | undefined
    if (!r) return undefined
    const user = this.users.get(r.user_id)
    if (!user) return undefined
    return {
      id: r.id,
      user,
      createdAt: r.created_at,
      lastSeenAt: r.last_seen_at,
      expiresAt: r.expires_at,
    }
  }
}
