/**
 * Shard leases in PostgreSQL: which process owns a shard of schools, until when. Each operation is
 * one statement, so the database's row lock decides between two workers that reach for the same
 * shard at once — there is no protocol of our own. Expiry is read on the database's clock
 * (`now()`), so the workers' clocks need not agree. `generation` grows with every new owner: a
 * renewal or a release by an owner that has been replaced matches no row.
 */
import type pg from 'pg'
import { openPartPool } from './index.js'

export interface Lease {
  shard: string
  owner: string
  /** On the database's clock. */
  expiresAt: Date
  /** Grows by one with every take: a fencing token. */
  generation: number
}

export interface LeaseHolder extends Lease {
  /** Whether the lease had not yet lapsed when it was read. */
  live: boolean
}

/** What the shard's lease keeper needs of a database; PostgreSQL below. */
export interface LeaseStore {
  take(shard: string, owner: string, ttlMs: number): Promise<Lease | undefined>
  renew(lease: Lease, ttlMs: number): Promise<Lease | undefined>
  release(lease: Lease): Promise<void>
  holder(shard: string): Promise<LeaseHolder | undefined>
  close(): Promise<void>
}

interface Row {
  shard: string
  owner: string
  expires_at: Date
  generation: string | number
  live?: boolean
}

function lease(row: Row | undefined): Lease | undefined {
  if (!row) return undefined
  return { shard: row.shard, owner: row.owner, expiresAt: row.expires_at, generation: Number(row.generation) }
}

export interface PostgresLeasesOptions {
  /** How long one statement may take before it counts as failed (a renewal must not hang). */
  queryTimeoutMs?: number
  onError?: (err: Error) => void
}

export class PostgresLeases implements LeaseStore {
  private constructor(private readonly pool: pg.Pool) {}

  /** Connects (a small pool) and migrates the database (the lease table is one of its tables). */
  static async open(url: string, o: PostgresLeasesOptions = {}): Promise<PostgresLeases> {
    return new PostgresLeases(
      await openPartPool(url, {
        name: 'schoolmeter-lease',
        timeoutMs: o.queryTimeoutMs ?? 5000,
        onError: o.onError,
      }),
    )
  }

  /** Takes the shard if it is free, lapsed or already ours; undefined while another owner holds it. */
  async take(shard: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO shard_leases AS l (shard, owner, expires_at, generation)
       VALUES ($1, $2, now() + $3 * interval '1 millisecond', 1)
       ON CONFLICT (shard) DO UPDATE
         SET owner = excluded.owner, expires_at = excluded.expires_at, generation = l.generation + 1
         WHERE l.expires_at <= now() OR l.owner = excluded.owner
       RETURNING shard, owner, expires_at, generation`,
      [shard, owner, ttlMs],
    )
    return lease(rows[0])
  }

  /** Extends a live lease of ours; undefined when it lapsed or has another owner (it is lost). */
  async renew(held: Lease, ttlMs: number): Promise<Lease | undefined> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE shard_leases SET expires_at = now() + $4 * interval '1 millisecond'
       WHERE shard = $1 AND owner = $2 AND generation = $3 AND expires_at > now()
       RETURNING shard, owner, expires_at, generation`,
      [held.shard, held.owner, held.generation, ttlMs],
    )
    return lease(rows[0])
  }

  /** Ends a lease of ours now, so a standby need not wait for it to lapse. */
  async release(held: Lease): Promise<void> {
    await this.pool.query(
      `UPDATE shard_leases SET expires_at = now()
       WHERE shard = $1 AND owner = $2 AND generation = $3 AND expires_at > now()`,
      [held.shard, held.owner, held.generation],
    )
  }

  /** Who holds (or last held) the shard. */
  async holder(shard: string): Promise<LeaseHolder | undefined> {
    const { rows } = await this.pool.query<Row>(
      `SELECT shard, owner, expires_at, generation, expires_at > now() AS live FROM shard_leases WHERE shard = $1`,
      [shard],
    )
    const row = rows[0]
    return row ? { ...lease(row)!, live: row.live === true } : undefined
  }

  async close(): Promise<void> {
    await this.pool.end()
  }
}
