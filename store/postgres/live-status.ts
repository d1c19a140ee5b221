/**
 * Meters' live status and recent rates as each shard's owner shares them (migration 5), so that
 * any worker answers for every meter: its last reading and state, its rate over the last 48 hours,
 * and the readings its school's gateways sent that were rejected. The owner writes what changed
 * since its last push; every other worker reads what changed since it last looked.
 *
 * A push is one transaction, fenced by the shard's lease: it commits only if the pusher still
 * holds the lease it names, so an owner that has been replaced writes nothing. Each push takes the
 * shard's next `version`, which locks the shard's row until it commits: a shard's pushes commit one
 * at a time in version order, and a reader that saw version v has seen every row up to v.
 */
import type pg from 'pg'
import type { Message } from '../../core/i18n/index.js'
import type { RejectReason } from '../../core/reading.js'
import { openPartPool } from './index.js'

/** A meter's last reading, as the owner's ingest keeps it (ingest's `MeterStatus`). */
export interface LiveStatus {
  lastTs: number
  lastReceivedAt: number
  lastValues: Record<string, number>
  lastEstimated: boolean
  lastUsed?: number
  readings: number
}

export interface LiveStatusRow {
  meterId: string
  schoolId: string
  status: LiveStatus
}

/** One 10-minute bucket of a meter's rate. */
export interface LiveRateRow {
  meterId: string
  /** Start of the bucket, epoch ms. */
  bucket: number
  mean: number
  max: number
}

/** Readings of a school rejected for one reason, counted since the owner started (ingest's tally). */
export interface LiveRejection {
  /** '' when the topic named no school of the registry. */
  school: string
  reason: RejectReason
  count: number
  lastAt: number
  lastMeter?: string
  lastTopic: string
  lastDetail: Message
}

/** A shard's rejected readings: its whole tally, counted since `since` (wall clock). */
export interface LiveRejections {
  since: number
  counts: readonly LiveRejection[]
}

/** What one push writes. */
export interface LiveChanges {
  /** Meters whose status changed. */
  statuses: readonly LiveStatusRow[]
  /** Rate buckets that changed. */
  rates: readonly LiveRateRow[]
  /** The shard's buckets that start before this are dropped. */
  dropRatesBefore?: number
  /** The shard's whole tally of rejections, when it changed: it replaces the one there. */
  rejections?: LiveRejections
}

/** The lease a push is fenced by (store/postgres/leases.ts). */
export interface PushFence {
  shard: string
  owner: string
  generation: number
}

export interface PulledStatus extends LiveStatusRow {
  shard: string
}

/** What the other shards pushed since a worker last looked. */
export interface Pulled {
  statuses: PulledStatus[]
  /** By shard, the tallies that changed. */
  rejections: Map<string, LiveRejections>
}

/** Rows a statement: 9 parameters a row stays far below PostgreSQL's 65,535. */
const CHUNK = 5_000

interface StatusRow {
  meter_id: string
  school_id: string
  shard: string
  version: string
  last_ts: string
  last_received_at: string
  last_values: string
  last_estimated: number
  last_used: number | null
  readings: string
}

export interface PostgresLiveStatusOptions {
  queryTimeoutMs?: number
  onError?: (err: Error) => void
}

export class PostgresLiveStatus {
  private constructor(private readonly pool: pg.Pool) {}

  /** Connects (a small pool of its own: a slow push never holds up the app store) and migrates. */
  static async open(url: string, o: PostgresLiveStatusOptions = {}): Promise<PostgresLiveStatus> {
    return new PostgresLiveStatus(
      await openPartPool(url, {
        name: 'schoolmeter-live-status',
        timeoutMs: o.queryTimeoutMs ?? 30_000,
        onError: o.onError,
      }),
    )
  }

  /** Writes a shard's changes; false, writing nothing, when `fence` is no longer the shard's live lease. */
  async push(fence: PushFence, changes: LiveChanges): Promise<boolean> {
    const { statuses, rates, dropRatesBefore, rejections } = changes
    const client = await this.pool.connect()
    // A connection the server (or the network) drops mid-push fails the statement, which says why;
    // the event it also emits must not take the process down.
    const dropped = () => {}
    client.on('error', dropped)
    let failed: Error | undefined
    try {
      await client.query('BEGIN')
      // Taking the shard's next version locks its row until commit: pushes of a shard are one at
      // a time, in version order.
      const { rows } = await client.query<{ version: string }>(
        `INSERT INTO live_status_shards AS s (shard, version, rejections_since, rejections_version)
         VALUES ($1, 1, $2, CASE WHEN $2::bigint IS NULL THEN NULL ELSE 1 END)
         ON CONFLICT (shard) DO UPDATE SET version = s.version + 1,
           rejections_since = coalesce($2, s.rejections_since),
           rejections_version = CASE WHEN $2::bigint IS NULL THEN s.rejections_version ELSE s.version + 1 END
         RETURNING version`,
        [fence.shard, rejections?.since ?? null],
      )
      const version = rows[0]!.version
      for (let i = 0; i < statuses.length; i += CHUNK) {
        const chunk = statuses.slice(i, i + CHUNK)
        await client.query(
          `INSERT INTO live_status (meter_id, school_id, shard, version, last_ts, last_received_at,
             last_values, last_estimated, last_used, readings)
           SELECT m, s, $1, $2, ts, ra, v, e, u, n
           FROM unnest($3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::smallint[],
             $9::float8[], $10::bigint[]) AS t(m, s, ts, ra, v, e, u, n)
           ON CONFLICT (meter_id) DO UPDATE SET school_id = excluded.school_id, shard = excluded.shard,
             version = excluded.version, last_ts = excluded.last_ts,
             last_received_at = excluded.last_received_at, last_values = excluded.last_values,
             last_estimated = excluded.last_estimated, last_used = excluded.last_used,
             readings = excluded.readings`,
          [
            fence.shard,
            version,
            chunk.map((r) => r.meterId),
            chunk.map((r) => r.schoolId),
            chunk.map((r) => r.status.lastTs),
            chunk.map((r) => r.status.lastReceivedAt),
            chunk.map((r) => JSON.stringify(r.status.lastValues)),
            chunk.map((r) => (r.status.lastEstimated ? 1 : 0)),
            chunk.map((r) => r.status.lastUsed ?? null),
            chunk.map((r) => r.status.readings),
          ],
        )
      }
      for (let i = 0; i < rates.length; i += CHUNK) {
        const chunk = rates.slice(i, i + CHUNK)
        await client.query(
          `INSERT INTO live_rates (meter_id, bucket, shard, mean, max)
           SELECT m, b, $1, a, x FROM unnest($2::text[], $3::bigint[], $4::float8[], $5::float8[]) AS t(m, b, a, x)
           ON CONFLICT (meter_id, bucket) DO UPDATE SET shard = excluded.shard, mean = excluded.mean,
             max = excluded.max`,
          [
            fence.shard,
            chunk.map((r) => r.meterId),
            chunk.map((r) => r.bucket),
            chunk.map((r) => r.mean),
            chunk.map((r) => r.max),
          ],
        )
      }
      if (dropRatesBefore !== undefined)
        await client.query('DELETE FROM live_rates WHERE shard = $1 AND bucket < $2', [
          fence.shard,
          dropRatesBefore,
        ])
      if (rejections) {
        const c = rejections.counts
        await client.query('DELETE FROM live_rejections WHERE shard = $1', [fence.shard])
        await client.query(
          `INSERT INTO live_rejections (shard, school_id, reason, count, last_at, last_meter, last_topic, last_detail)
           SELECT $1, s, r, n, a, m, t, d
           FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[])
             AS u(s, r, n, a, m, t, d)`,
          [
            fence.shard,
            c.map((r) => r.school),
            c.map((r) => r.reason),
            c.map((r) => r.count),
            c.map((r) => r.lastAt),
            c.map((r) => r.lastMeter ?? null),
            c.map((r) => r.lastTopic),
            c.map((r) => JSON.stringify(r.lastDetail)),
          ],
        )
      }
      // The lease is checked last, without locking it (a long push must not hold up the owner's
      // renewal): a new owner that took the shard before this point makes this push roll back; one
      // that takes it after pushes only once this commits (it waits for the version row), and
      // overwrites what this wrote with what it restored.
      const held = await client.query(
        `SELECT 1 FROM shard_leases
         WHERE shard = $1 AND owner = $2 AND generation = $3 AND expires_at > now()`,
        [fence.shard, fence.owner, fence.generation],
      )
      if (held.rowCount === 0) {
        await client.query('ROLLBACK')
        return false
      }
      await client.query('COMMIT')
      return true
    } catch (err) {
      failed = err as Error
      await client.query('ROLLBACK').catch(() => {})
      throw err
    } finally {
      client.off('error', dropped)
      // A connection that failed is not given back to the pool but closed.
      client.release(failed)
    }
  }

  /**
   * What `shards` pushed since the versions in `seen` (shard → version, updated here): every meter
   * whose status changed, as it is now, and their tallies of rejections that changed.
   */
  async pull(shards: readonly string[], seen: Map<string, number>): Promise<Pulled> {
    const versions = await this.pool.query<{
      shard: string
      version: string
      rejections_since: string | null
      rejections_version: string | null
    }>(
      `SELECT shard, version, rejections_since, rejections_version FROM live_status_shards
       WHERE shard = ANY($1::text[])`,
      [shards],
    )
    const out: PulledStatus[] = []
    const rejections = new Map<string, LiveRejections>()
    for (const s of versions.rows) {
      const since = seen.get(s.shard) ?? 0
      if (Number(s.version) <= since) continue
      if (s.rejections_since !== null && Number(s.rejections_version) > since)
        rejections.set(s.shard, {
          since: Number(s.rejections_since),
          counts: await this.rejectionsOf(s.shard),
        })
      const { rows } = await this.pool.query<StatusRow>(
        `SELECT meter_id, school_id, shard, version, last_ts, last_received_at, last_values,
           last_estimated, last_used, readings
         FROM live_status WHERE shard = $1 AND version > $2`,
        [s.shard, since],
      )
      for (const r of rows)
        out.push({
          meterId: r.meter_id,
          schoolId: r.school_id,
          shard: r.shard,
          status: {
            lastTs: Number(r.last_ts),
            lastReceivedAt: Number(r.last_received_at),
            lastValues: JSON.parse(r.last_values) as Record<string, number>,
            lastEstimated: Number(r.last_estimated) === 1,
            ...(r.last_used !== null ? { lastUsed: r.last_used } : {}),
            readings: Number(r.readings),
          },
        })
      // As far as the version read first: rows of a push that committed since are read again next
      // time (the same values), and its tally with them.
      seen.set(s.shard, Number(s.version))
    }
    return { statuses: out, rejections }
  }

  private async rejectionsOf(shard: string): Promise<LiveRejection[]> {
    const { rows } = await this.pool.query<{
      school_id: string
      reason: RejectReason
      count: string
      last_at: string
      last_meter: string | null
      last_topic: string
      last_detail: string
    }>(
      `SELECT school_id, reason, count, last_at, last_meter, last_topic, last_detail
       FROM live_rejections WHERE shard = $1`,
      [shard],
    )
    return rows.map((r) => ({
      school: r.school_id,
      reason: r.reason,
      count: Number(r.count),
      lastAt: Number(r.last_at),
      ...(r.last_meter !== null ? { lastMeter: r.last_meter } : {}),
      lastTopic: r.last_topic,
      lastDetail: JSON.parse(r.last_detail) as Message,
    }))
  }

  /** Meters' rate buckets that start in [from, to), by meter, oldest first. */
  async rates(meterIds: readonly string[], from: number, to: number): Promise<LiveRateRow[]> {
    if (meterIds.length === 0) return []
    const { rows } = await this.pool.query<{ meter_id: string; bucket: string; mean: number; max: number }>(
      `SELECT meter_id, bucket, mean, max FROM live_rates
       WHERE meter_id = ANY($1::text[]) AND bucket >= $2 AND bucket < $3 ORDER BY meter_id, bucket`,
      [meterIds, from, to],
    )
    return rows.map((r) => ({ meterId: r.meter_id, bucket: Number(r.bucket), mean: r.mean, max: r.max }))
  }

  async close(): Promise<void> {
    await this.pool.end()
  }
}
