/** API tokens and the audit log in PostgreSQL: the behaviour of store/security.ts. */
import { msg } from '../../core/i18n/index.js'
import {
  type ApiToken,
  type ApiTokenRow,
  type AuditEntry,
  type AuditFilter,
  type AuditRaw,
  auditFromRaw,
  checkName,
  checkRole,
  fromRaw,
  mintToken,
  type Raw,
  type Role,
  revoked,
  TokenError,
  tokenView,
} from '../security.js'
import type { ApiTokenStore, AuditStore } from '../types.js'
import { limitOf, type Sql } from './sql.js'

export class PostgresApiTokens implements ApiTokenStore {
  constructor(private readonly sql: Sql) {}

  async add(name: string, role: string, now = Date.now()): Promise<{ token: string; row: ApiTokenRow }> {
    const n = checkName(name)
    const r = checkRole(role)
    const { id, token, hash } = mintToken()
    return this.sql.atomically(async (sql) => {
      const tokens = new PostgresApiTokens(sql)
      if (await tokens.activeByName(n))
        throw new TokenError('TOKEN_NAME_TAKEN', msg('token.error.nameTaken', { name: n }), 409)
      await sql.run('INSERT INTO api_tokens (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)', [
        id,
        n,
        r,
        hash,
        now,
      ])
      return { token, row: (await tokens.get(id))! }
    })
  }

  async get(id: string): Promise<ApiTokenRow | undefined> {
    const r = await this.sql.one<Raw>('SELECT * FROM api_tokens WHERE id = ?', [id])
    return r && fromRaw(r)
  }

  async find(idOrName: string): Promise<ApiTokenRow | undefined> {
    return (await this.get(idOrName)) ?? (await this.activeByName(idOrName.trim()))
  }

  async resolve(idOrName: string): Promise<ApiTokenRow> {
    const row = await this.find(idOrName)
    if (!row) throw new TokenError('TOKEN_NOT_FOUND', msg('token.error.notFound', { ref: idOrName }), 404)
    return row
  }

  async list(includeRevoked = false): Promise<ApiToken[]> {
    // Ids bytewise, as SQLite compares text, whatever the database's locale.
    const rows = await this.sql.rows<Raw>(
      `SELECT * FROM api_tokens ${includeRevoked ? '' : 'WHERE revoked_at IS NULL'} ORDER BY created_at, id COLLATE "C"`,
    )
    return rows.map((r) => tokenView(fromRaw(r)))
  }

  async rotate(idOrName: string): Promise<{ token: string; row: ApiTokenRow }> {
    return this.sql.atomically(async (sql) => {
      const tokens = new PostgresApiTokens(sql)
      const row = await tokens.resolve(idOrName)
      if (row.revokedAt !== undefined) throw revoked(row)
      const { token, hash } = mintToken(row.id)
      await sql.run('UPDATE api_tokens SET hash = ? WHERE id = ?', [hash, row.id])
      return { token, row: (await tokens.get(row.id))! }
    })
  }

  async revoke(idOrName: string, now = Date.now()): Promise<ApiTokenRow> {
    return this.sql.atomically(async (sql) => {
      const tokens = new PostgresApiTokens(sql)
      const row = await tokens.resolve(idOrName)
      if (row.revokedAt !== undefined) throw revoked(row)
      await sql.run('UPDATE api_tokens SET revoked_at = ? WHERE id = ?', [now, row.id])
      return (await tokens.get(row.id))!
    })
  }

  async hasActive(): Promise<boolean> {
    return (await this.sql.one('SELECT 1 FROM api_tokens WHERE revoked_at IS NULL LIMIT 1')) !== undefined
  }

  async activeCount(role?: Role): Promise<number> {
    const row = role
      ? await this.sql.one<{ n: number }>(
          'SELECT count(*) AS n FROM api_tokens WHERE revoked_at IS NULL AND role = ?',
          [role],
        )
      : await this.sql.one<{ n: number }>('SELECT count(*) AS n FROM api_tokens WHERE revoked_at IS NULL')
    return row!.n
  }

  async touch(id: string, at = Date.now()): Promise<void> {
    await this.sql.run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', [at, id])
  }

  private async activeByName(name: string): Promise<ApiTokenRow | undefined> {
    const r = await this.sql.one<Raw>('SELECT * FROM api_tokens WHERE name = ? AND revoked_at IS NULL', [
      name,
    ])
    return r && fromRaw(r)
  }
}

export class PostgresAudit implements AuditStore {
  constructor(private readonly sql: Sql) {}

  async record(e: Omit<AuditEntry, 'id' | 'at'>, at = Date.now()): Promise<number> {
    const row = await this.sql.one<{ id: number }>(
      'INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?) RETURNING id',
      [at, e.actor, e.action, e.target ?? null, e.detail ? JSON.stringify(e.detail) : null],
    )
    return row!.id
  }

  async list(f: AuditFilter = {}): Promise<AuditEntry[]> {
    const where: string[] = []
    const values: unknown[] = []
    for (const key of ['actor', 'action', 'target'] as const) {
      if (f[key] !== undefined) {
        where.push(`${key} = ?`)
        values.push(f[key])
      }
    }
    const rows = await this.sql.rows<AuditRaw>(
      `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      [...values, limitOf(f.limit ?? 500)],
    )
    return rows.map(auditFromRaw)
  }
}
