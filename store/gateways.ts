/**
 * Gateway credentials for the embedded broker: one username per gateway, bound to one school,
 * with its password as a scrypt hash (core/secrets.ts). Rows are never deleted: a revoked
 * credential stays listed with the time it was revoked.
 */
import type { Db } from './db.js'

export interface GatewayCredential {
  username: string
  schoolId: string
  /** scrypt hash of the password; never the password. */
  hash: string
  /**
   * bcrypt hash of the same password, for a NATS cluster's users (ingest/broker/nats-users.ts);
   * missing for logins made or rotated before it was kept.
   */
  bcryptHash?: string
  /** May subscribe to `schools/{school}/alerts` (its own `rejected` topic is always allowed). */
  maySubscribeAlerts: boolean
  createdAt: number
  rotatedAt?: number
  revokedAt?: number
  note?: string
  /** MQTT client ids starting with this are the gateway's too (besides its username and `<username>/…`). */
  clientIdPrefix?: string
}

interface Row {
  username: string
  school_id: string
  hash: string
  bcrypt_hash: string | null
  may_subscribe_alerts: number
  created_at: number
  rotated_at: number | null
  revoked_at: number | null
  note: string | null
  client_id_prefix: string | null
}

function fromRow(r: Row): GatewayCredential {
  return {
    username: r.username,
    schoolId: r.school_id,
    hash: r.hash,
    ...(r.bcrypt_hash !== null ? { bcryptHash: r.bcrypt_hash } : {}),
    maySubscribeAlerts: r.may_subscribe_alerts === 1,
    createdAt: r.created_at,
    ...(r.rotated_at !== null ? { rotatedAt: r.rotated_at } : {}),
    ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
    ...(r.note !== null ? { note: r.note } : {}),
    ...(r.client_id_prefix !== null ? { clientIdPrefix: r.client_id_prefix } : {}),
  }
}

export class GatewayCredentialRepository {
  private readonly one
  private readonly active
  constructor(private readonly db: Db) {
    this.one = db.prepare('SELECT * FROM gateway_credentials WHERE username = ?')
    this.active = db.prepare('SELECT count(*) AS n FROM gateway_credentials WHERE revoked_at IS NULL')
  }

  get(username: string): GatewayCredential | undefined {
    const r = this.one.get(username) as Row | undefined
    return r ? fromRow(r) : undefined
  }

  list(): GatewayCredential[] {
    return (
      this.db.prepare('SELECT * FROM gateway_credentials ORDER BY school_id, username').all() as Row[]
    ).map(fromRow)
  }

  /** Credentials that are not revoked: while there is one, the embedded broker refuses anonymous clients. */
  countActive(): number {
    return (this.active.get() as { n: number }).n
  }

  /**
   * Adds a credential. A revoked username may be added again (a replaced gateway keeps its name);
   * an active one may not: returns false and changes nothing.
   */
  add(
    c: {
      username: string
      schoolId: string
      hash: string
      bcryptHash?: string
      maySubscribeAlerts: boolean
      note?: string
      clientIdPrefix?: string
    },
    now = Date.now(),
  ): boolean {
    const r = this.db
      .prepare(
        `INSERT INTO gateway_credentials (username, school_id, hash, bcrypt_hash, may_subscribe_alerts, created_at, note, client_id_prefix)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(username) DO UPDATE SET school_id = excluded.school_id, hash = excluded.hash,
           bcrypt_hash = excluded.bcrypt_hash,
           may_subscribe_alerts = excluded.may_subscribe_alerts, created_at = excluded.created_at,
           rotated_at = NULL, revoked_at = NULL, note = excluded.note, client_id_prefix = excluded.client_id_prefix
         WHERE gateway_credentials.revoked_at IS NOT NULL`,
      )
      .run(
        c.username,
        c.schoolId,
        c.hash,
        c.bcryptHash ?? null,
        c.maySubscribeAlerts ? 1 : 0,
        now,
        c.note ?? null,
        c.clientIdPrefix ?? null,
      )
    return r.changes === 1
  }

  /** Sets (or, with undefined, removes) the client id prefix of an active credential; false when there is none. */
  setClientIdPrefix(username: string, prefix: string | undefined): boolean {
    return (
      this.db
        .prepare(
          'UPDATE gateway_credentials SET client_id_prefix = ? WHERE username = ? AND revoked_at IS NULL',
        )
        .run(prefix ?? null, username).changes === 1
    )
  }

  /** Active credentials, for checking whose a client id is. */
  listActive(): GatewayCredential[] {
    return (
      this.db
        .prepare('SELECT * FROM gateway_credentials WHERE revoked_at IS NULL ORDER BY username')
        .all() as Row[]
    ).map(fromRow)
  }

  /** Replaces the password hashes of an active credential; false when there is none. */
  rotate(username: string, hashes: { hash: string; bcryptHash?: string }, now = Date.now()): boolean {
    return (
      this.db
        .prepare(
          'UPDATE gateway_credentials SET hash = ?, bcrypt_hash = ?, rotated_at = ? WHERE username = ? AND revoked_at IS NULL',
        )
        .run(hashes.hash, hashes.bcryptHash ?? null, now, username).changes === 1
    )
  }

  /** Revokes an active credential; false when there is none. */
  revoke(username: string, now = Date.now()): boolean {
    return (
      this.db
        .prepare('UPDATE gateway_credentials SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL')
        .run(now, username).changes === 1
    )
  }
}
