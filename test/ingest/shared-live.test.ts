/**
 * A shard's live status and recent rates shared with the other workers through a real
 * PostgreSQL (ingest/shard/live.ts): the owner's pipeline takes readings, its push reaches a
 * worker of the other shard, which answers for the meter — and the readings rejected — as the
 * owner does. With PostgreSQL away, the owner keeps taking readings, and its next push once it
 * is back carries everything that changed meanwhile; once another process has taken the shard,
 * the replaced owner writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../core/config/load.js'
import { createMetrics } from '../../core/metrics.js'
import type { ClaimedShard } from '../../ingest/index.js'
import { RecentReadings } from '../../ingest/recent.js'
import { RejectionTally } from '../../ingest/rejections.js'
import {
  parseShard,
  ShardLease,
  SharedLiveStatus,
  shardName,
  shardRegistry,
} from '../../ingest/shard/index.js'
import { PostgresLeases } from '../../store/index.js'
import { ingesting } from '../helpers/ingesting.js'
import { testLog } from '../helpers/log.js'
import { type Postgres, startPostgres } from '../helpers/postgres.js'
import { relay } from '../helpers/relay.js'
import { metricValue } from '../helpers/service.js'

const T0 = Date.parse('2026-11-02T09:00:00+08:00')
const MINUTE = 60_000

const { registry } = parseConfig(
  `
schools:
${['north', 'south']
  .map(
    (id, i) => `  - id: ${id}
    name: ${id}
    timezone: Asia/Shanghai
    shard: ${i + 1}
    buildings:
      - id: main
        use: teaching
        meters:
          - { id: W-${id}, kind: water }`,
  )
  .join('\n')}
`,
  'shared-live.yaml',
)

let db: Postgres
let leases: PostgresLeases
const stops: (() => Promise<void>)[] = []

beforeAll(async () => {
  db = await startPostgres()
  leases = await PostgresLeases.open(db.url)
})
afterAll(async () => {
  for (const stop of stops.reverse()) await stop()
  await leases?.close()
  await db?.stop()
})

/** Shard k of 2 with its lease held, as `claimShard` gives it. */
async function claimed(k: number): Promise<ClaimedShard> {
  const spec = parseShard(`${k}/2`)
  const name = shardName(spec)
  const lease = new ShardLease({
    leases,
    shard: name,
    owner: `worker-${k}`,
    ttlMs: 10 * MINUTE,
    log: testLog,
    onLost: () => {},
  })
  await lease.acquire()
  stops.push(() => lease.stop())
  const shardSchools = shardRegistry(registry, spec)
  return {
    spec,
    name,
    registry: shardSchools,
    clientId: `worker-${k}`,
    filters: [],
    owns: () => true,
    lease,
    release: () => lease.stop(),
  }
}

/** A worker of shard k: its ingest pipeline and recent rates, sharing through `url`. */
async function worker(k: number, url: string) {
  const shard = await claimed(k)
  const metrics = createMetrics({ defaultMetrics: false })
  const { ingest, bus, store } = await ingesting(shard.registry)
  const recent = new RecentReadings({ bus })
  recent.start()
  const rejections = new RejectionTally({ bus })
  rejections.start()
  const live = new SharedLiveStatus({
    url,
    shard,
    status: (id) => ingest.status(id),
    recent,
    rejections,
    // Never fires during the test: syncs are asked for.
    intervalMs: 3_600_000,
    log: testLog,
    metrics,
  })
  await live.start()
  stops.push(async () => {
    await live.stop()
    recent.stop()
    rejections.stop()
    await store.close()
  })
  const counted = async (sample: string) => metricValue(await metrics.registry.metrics(), sample)
  return { shard, ingest, recent, rejections, live, counted }
}

/** A minute of 12 L/min on the meter's register. */
function reading(school: string, minute: number): [string, Buffer, number] {
  return [
    `schools/${school}/meters/W-${school}`,
    Buffer.from(
      JSON.stringify({ ts: T0 + minute * MINUTE, volume_m3: 10 + minute * 0.012, flow_lpm: 12 + minute }),
    ),
    T0 + minute * MINUTE + 500,
  ]
}

describe("a shard's live status, shared through PostgreSQL", () => {
  it("reaches the other shard's worker, and what changed while PostgreSQL was away arrives once it is back", async () => {
    const cut = await relay(db.port)
    stops.push(() => cut.cut())
    const owner = await worker(1, db.url.replace(/:(\d+)\//, `:${cut.port}/`))
    const other = await worker(2, db.url)
    const windows = [{ meterId: 'W-north', from: T0 - 60 * MINUTE, to: T0 + 120 * MINUTE }]

    for (let m = 0; m < 15; m++) owner.ingest.handle(...reading('north', m))
    // A gateway of each shard sends something that is not JSON.
    owner.ingest.handle('schools/north/meters/W-north', Buffer.from('not json'), T0)
    other.ingest.handle('schools/south/meters/W-south', Buffer.from('{'), T0)
    await owner.live.sync()
    await other.live.sync()
    // Rejected readings: each shard's as its owner counted them, on either worker.
    expect(other.live.rejections.list('north')).toEqual(owner.rejections.list('north'))
    expect(other.live.rejections.list().map((c) => [c.school, c.reason, c.count])).toEqual([
      ['north', 'bad_json', 1],
      ['south', 'bad_json', 1],
    ])
    expect(other.live.rejections.since).toBe(Math.min(owner.rejections.since, other.rejections.since))
    expect(other.live.get('W-north')).toEqual(owner.ingest.status('W-north'))
    expect(other.live.get('W-north')?.readings).toBe(15)
    expect(other.live.newest('W-north')).toBe(owner.recent.newest('W-north'))
    const shared = await other.live.windows(windows)
    expect(shared).toEqual(await owner.recent.windows(windows))
    expect(shared.get('W-north')?.map((p) => p.max)).toEqual([21, 26])
    // The owner answers for its own meters from memory; neither has the other's unknown meters.
    expect(other.live.get('W-south')).toBeUndefined()

    // PostgreSQL away: readings keep coming, the push fails (and is retried with the next).
    await cut.cut()
    for (let m = 15; m < 40; m++) owner.ingest.handle(...reading('north', m))
    await owner.live.sync()
    await other.live.sync()
    expect(other.live.get('W-north')?.readings).toBe(15)

    await cut.restore()
    await owner.live.sync()
    await other.live.sync()
    expect(other.live.get('W-north')).toEqual(owner.ingest.status('W-north'))
    expect(other.live.get('W-north')?.readings).toBe(40)
    // Every bucket, the one the failed push carried too, as the owner has it.
    const after = await other.live.windows(windows)
    expect(after).toEqual(await owner.recent.windows(windows))
    expect(after.get('W-north')?.map((p) => p.max)).toEqual([21, 31, 41, 51])
    expect(await owner.counted('schoolmeter_live_status_syncs_total{result="failed"}')).toBe(1)
    expect(await owner.counted('schoolmeter_live_status_rows_total{direction="pushed"}')).toBeGreaterThan(0)
    expect(await other.counted('schoolmeter_live_status_rows_total{direction="pulled"}')).toBe(2)

    // The shard taken over by another process: the replaced owner, still taking readings until it
    // learns of it, writes nothing more.
    await leases.release(owner.shard.lease!.held!)
    expect(await leases.take('1/2', 'worker-new', 10 * MINUTE)).toBeDefined()
    for (let m = 40; m < 45; m++) owner.ingest.handle(...reading('north', m))
    await owner.live.sync()
    await other.live.sync()
    expect(await owner.counted('schoolmeter_live_status_syncs_total{result="fenced"}')).toBe(1)
    expect(other.live.get('W-north')?.readings).toBe(40)
  })
})
