/**
 * `npm run bench -- --suite live-status`: what sharing meters' live status through PostgreSQL
 * costs (ingest/shard/live.ts, store/postgres/live-status.ts), on a real PostgreSQL 15 with
 * fsync on. A shard's owner pushes every meter changed (the worst case: all of a shard's meters
 * reported within the interval) with one rate bucket each; another worker pulls them; the web
 * app reads a school's 330 meters' last day of rate. Medians of `runs`.
 */
import { PostgresLeases, PostgresLiveStatus } from '../store/index.js'
import { startPostgres } from '../test/helpers/postgres.js'

export interface LiveStatusRow {
  meters: number
  /** One push of every meter's status and one bucket each. */
  pushMs: number
  pushRowsPerSecond: number
  /** Another worker reading those statuses. */
  pullMs: number
  pullRowsPerSecond: number
  /** A school's 330 meters' last 24 hours of rate (144 buckets each in the table). */
  schoolRatesMs: number
}

const BUCKET = 600_000

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

export async function benchLiveStatus(o: { meters: number; runs: number }): Promise<LiveStatusRow> {
  const db = await startPostgres({ fast: false })
  const leases = await PostgresLeases.open(db.url)
  const owner = await PostgresLiveStatus.open(db.url)
  const reader = await PostgresLiveStatus.open(db.url)
  try {
    const lease = (await leases.take('1/2', 'bench-owner', 3_600_000))!
    const ids = Array.from({ length: o.meters }, (_, i) => `M${i}`)
    // A day of buckets for one school's meters, for the school page's read.
    const school = ids.slice(0, 330)
    const t0 = Date.parse('2026-11-02T00:00:00Z')
    await owner.push(lease, {
      statuses: [],
      rates: school.flatMap((meterId) =>
        Array.from({ length: 144 }, (_, b) => ({ meterId, bucket: t0 + b * BUCKET, mean: 3, max: 4 })),
      ),
    })
    const seen = new Map<string, number>()
    const push: number[] = []
    const pull: number[] = []
    const reads: number[] = []
    for (let run = 0; run < o.runs; run++) {
      const ts = t0 + 24 * 3_600_000 + run * 60_000
      const statuses = ids.map((meterId, i) => ({
        meterId,
        schoolId: `S${Math.floor(i / 330)}`,
        status: {
          lastTs: ts,
          lastReceivedAt: ts + 400,
          lastValues: { volume_m3: 1234.567 + run, flow_lpm: 3.2 },
          lastEstimated: false,
          readings: 1000 + run,
        },
      }))
      const rates = ids.map((meterId) => ({ meterId, bucket: ts - (ts % BUCKET), mean: 3.2, max: 4.1 }))
      let t = performance.now()
      await owner.push(lease, { statuses, rates })
      push.push(performance.now() - t)
      t = performance.now()
      const got = await reader.pull(['1/2'], seen)
      pull.push(performance.now() - t)
      if (got.statuses.length !== o.meters) throw new Error(`pulled ${got.statuses.length} of ${o.meters}`)
      t = performance.now()
      await reader.rates(school, t0, t0 + 24 * 3_600_000)
      reads.push(performance.now() - t)
    }
    const pushMs = median(push)
    const pullMs = median(pull)
    return {
      meters: o.meters,
      pushMs: Math.round(pushMs),
      pushRowsPerSecond: Math.round((2 * o.meters) / (pushMs / 1000)),
      pullMs: Math.round(pullMs),
      pullRowsPerSecond: Math.round(o.meters / (pullMs / 1000)),
      schoolRatesMs: Math.round(median(reads)),
    }
  } finally {
    await Promise.all([owner.close(), reader.close(), leases.close()])
    await db.stop()
  }
}
