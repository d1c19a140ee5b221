/** People who sign in and their sessions, in PostgreSQL: the behaviour of store/users.ts. */
import { randomBytes } from 'node:crypto'
import { msg } from '../../core/i18n/index.js'
import { checkRole } from '../security.js'
import type { SessionStore, UserStore } from '../types.js'
import {
  checkDisplayName,
  checkUsername,
  fromRaw,
  type NewUser,
  openedExpiry,
  type Raw,
  type Session,
  type SessionLifetime,
  sessionId,
  sessionUse,
  type User,
  UserError,
  type UserRow,
  userChanges,
  userView,
} from '../users.js'
import type { Sql } from './sql.js'

/** Login names compare as SQLite's COLLATE NOCASE does: A-Z folded, nothing else (the index users_username). */
const SAME_USERNAME = 'lower(username COLLATE "C") = lower(? COLLATE "C")'

export class PostgresUsers implements UserStore {
  constructor(private readonly sql: Sql) {}

  async add(u: NewUser, now = Date.now()): Promise<UserRow> {
    const username = checkUsername(u.username)
    const name = u.name !== undefined ? checkDisplayName(u.name) : null
    const role = checkRole(u.role)
    return this.sql.atomically(async (sql) => {
      const users = new PostgresUsers(sql)
      if (await users.byUsername(username))
        throw new UserError('USER_NAME_TAKEN', msg('user.error.taken', { username }))
      const row = await sql.one<{ id: number }>(
        'INSERT INTO users (username, name, role, schools, hash, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
        [username, name, role, u.schools ? JSON.stringify(u.schools) : null, u.hash, now],
      )
      return (await users.get(row!.id))!
    })
  }

  async get(id: number): Promise<UserRow | undefined> {
    const r = await this.sql.one<Raw>('SELECT * FROM users WHERE id = ?', [id])
    return r && fromRaw(r)
  }

  async byUsername(username: string): Promise<UserRow | undefined> {
    const r = await this.sql.one<Raw>(`SELECT * FROM users WHERE ${SAME_USERNAME}`, [username.trim()])
    return r && fromRaw(r)
  }

  async resolve(username: string): Promise<UserRow> {
    const row = await this.byUsername(username)
    if (!row) throw new UserError('USER_NOT_FOUND', msg('user.error.notFound', { username }))
    return row
  }

  async list(includeDisabled = false): Promise<User[]> {
    const rows = await this.sql.rows<Raw>(
      `SELECT * FROM users ${includeDisabled ? '' : 'WHERE disabled_at IS NULL'} ORDER BY id`,
    )
    return rows.map((r) => userView(fromRaw(r)))
  }

  async hasActive(): Promise<boolean> {
    return (await this.sql.one('SELECT 1 FROM users WHERE disabled_at IS NULL LIMIT 1')) !== undefined
  }

  async update(
    username: string,
    changes: { name?: string; role?: string; schools?: string[] | null; hash?: string },
  ): Promise<UserRow> {
    return this.sql.atomically(async (sql) => {
      const users = new PostgresUsers(sql)
      const row = await users.resolve(username)
      const { sets, values } = userChanges(changes)
      if (sets.length) await sql.run(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`, [...values, row.id])
      return (await users.get(row.id))!
    })
  }

  async disable(username: string, now = Date.now()): Promise<UserRow> {
    return this.sql.atomically(async (sql) => {
      const users = new PostgresUsers(sql)
      const row = await users.resolve(username)
      if (row.disabledAt !== undefined)
        throw new UserError('USER_DISABLED', msg('user.error.disabled', { username: row.username }))
      await sql.run('UPDATE users SET disabled_at = ? WHERE id = ?', [now, row.id])
      await sql.run('DELETE FROM sessions WHERE user_id = ?', [row.id])
      return (await users.get(row.id))!
    })
  }

  async enable(username: string): Promise<UserRow> {
    return this.sql.atomically(async (sql) => {
      const users = new PostgresUsers(sql)
      const row = await users.resolve(username)
      await sql.run('UPDATE users SET disabled_at = NULL WHERE id = ?', [row.id])
      return (await users.get(row.id))!
    })
  }

  async loggedIn(id: number, at = Date.now()): Promise<void> {
    await this.sql.run('UPDATE users SET last_login_at = ? WHERE id = ?', [at, id])
  }
}

export class PostgresSessions implements SessionStore {
  private readonly users: PostgresUsers

  constructor(private readonly sql: Sql) {
    this.users = new PostgresUsers(sql)
  }

  async open(
    userId: number,
    life: SessionLifetime,
    now = Date.now(),
  ): Promise<{ token: string; session: Session }> {
    const token = randomBytes(32).toString('base64url')
    const id = sessionId(token)
    await this.sql.run(
      'INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      [id, userId, now, now, openedExpiry(life, now)],
    )
    // Old sessions go as new ones come: the table never grows with expired rows.
    await this.sql.run('DELETE FROM sessions WHERE expires_at <= ?', [now])
    return { token, session: (await this.get(id))! }
  }

  /**
   * Read, then extended at most once a minute: two requests of one person at once may both
   * extend it, to the same lifetime give or take their gap, so this takes no transaction.
   */
  async find(token: string, life: SessionLifetime, now = Date.now()): Promise<Session | undefined> {
    const s = await this.get(sessionId(token))
    const use = s && sessionUse(s, life, now)
    if (!use) return undefined
    if (use.touched)
      await this.sql.run('UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?', [
        now,
        use.session.expiresAt,
        use.session.id,
      ])
    return use.session
  }

  async close(token: string): Promise<void> {
    await this.sql.run('DELETE FROM sessions WHERE id = ?', [sessionId(token)])
  }

  async closeAll(userId: number): Promise<number> {
    return this.sql.run('DELETE FROM sessions WHERE user_id = ?', [userId])
  }

  async count(userId?: number): Promise<number> {
    const row =
      userId === undefined
        ? await this.sql.one<{ n: number }>('SELECT count(*) AS n FROM sessions')
        : await this.sql.one<{ n: number }>('SELECT count(*) AS n FROM sessions WHERE user_id = ?', [userId])
    return row!.n
  }

  private async get(id: string): Promise<Session | undefined> {
    const r = await this.sql.one<{
      id: string
      user_id: number
      created_at: number
      last_seen_at: number
      expires_at: number
    }>('SELECT * FROM sessions WHERE id = ?', [id])
    if (!r) return undefined
    const user = await this.users.get(r.user_id)
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
