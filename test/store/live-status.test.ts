/**
 * Meters' live status shared through a real PostgreSQL: an owner's push, fenced by its shard's
 * lease, reaches the other workers; each pull brings only what changed since the last; an owner
 * that has been replaced writes nothing; rate buckets are read by window and old ones dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type LiveRejection,
  type LiveStatusRow,
  PostgresLeases,
  PostgresLiveStatus,
} from '../../store/index.js'
import { type Postgres, startPostgres } from '../helpers/postgres.js'

let db: Postgres
let leases: PostgresLeases
let live: PostgresLiveStatus

beforeAll(async () => {
  db = await startPostgres()
  leases = await PostgresLeases.open(db.url)
  live = await PostgresLiveStatus.open(db.url)
})
afterAll(async () => {
  await live?.close()
  await leases?.close()
  await db?.stop()
})

const MINUTE = 60_000
const BUCKET = 10 * MINUTE

function row(meterId: string, readings: number, extra: Partial<LiveStatusRow['status']> = {}): LiveStatusRow {
  return {
    meterId,
    schoolId: meterId.split('-')[1]!,
    status: {
      lastTs: 1_000 * readings,
      lastReceivedAt: 1_000 * readings + 7,
      lastValues: { volume_m3: 12.5 + readings, flow_lpm: 3.25 },
      lastEstimated: false,
      readings,
      ...extra,
    },
  }
}

function rejected(school: string, count: number, lastMeter?: string): LiveRejection {
  return {
    school,
    reason: 'bad_json',
    count,
    lastAt: 1_000 + count,
    ...(lastMeter ? { lastMeter } : {}),
    lastTopic: `schools/${school}/meters/W-${school}`,
    lastDetail: { key: 'ingest.reject.badJson', params: { detail: 'Unexpected token' } },
  }
}

describe('live status shared through PostgreSQL', () => {
  it("reaches the other shards' workers, each pull bringing only what changed since the last", async () => {
    const lease = (await leases.take('1/2', 'owner-1', MINUTE))!
    expect(
      await live.push(lease, {
        statuses: [row('W-north', 3), row('E-north', 5, { lastUsed: 0.5, lastEstimated: true })],
        rates: [],
      }),
    ).toBe(true)

    const seen = new Map<string, number>()
    const first = (await live.pull(['1/2'], seen)).statuses
    expect(first.map((r) => r.meterId).sort()).toEqual(['E-north', 'W-north'])
    expect(first.find((r) => r.meterId === 'E-north')).toEqual({
      meterId: 'E-north',
      schoolId: 'north',
      shard: '1/2',
      status: row('E-north', 5, { lastUsed: 0.5, lastEstimated: true }).status,
    })
    // A status without a last use reads back without one.
    expect(first.find((r) => r.meterId === 'W-north')!.status).toEqual(row('W-north', 3).status)
    expect(await live.pull(['1/2'], seen)).toEqual({ statuses: [], rejections: new Map() })

    await live.push(lease, { statuses: [row('W-north', 4)], rates: [] })
    const next = (await live.pull(['1/2'], seen)).statuses
    expect(next.map((r) => [r.meterId, r.status.readings])).toEqual([['W-north', 4]])
    // Only the shards asked for are read (a worker's own is not).
    expect(await live.pull(['2/2'], new Map())).toEqual({ statuses: [], rejections: new Map() })
    expect(await live.pull(['1/3', '2/3'], new Map())).toEqual({ statuses: [], rejections: new Map() })
  })

  it('writes nothing for an owner whose lease has lapsed or been taken over', async () => {
    const old = (await leases.take('2/2', 'owner-a', 0))!
    const taken = (await leases.take('2/2', 'owner-b', MINUTE))!
    expect(taken.generation).toBe(old.generation + 1)
    expect(
      await live.push(old, {
        statuses: [row('W-south', 9)],
        rates: [{ meterId: 'W-south', bucket: 0, mean: 1, max: 1 }],
        rejections: { since: 1, counts: [rejected('south', 4)] },
      }),
    ).toBe(false)
    expect(await live.pull(['2/2'], new Map())).toEqual({ statuses: [], rejections: new Map() })
    expect(await live.rates(['W-south'], 0, BUCKET)).toEqual([])

    expect(await live.push(taken, { statuses: [row('W-south', 2)], rates: [] })).toBe(true)
    expect((await live.pull(['2/2'], new Map())).statuses.map((r) => [r.meterId, r.status.readings])).toEqual(
      [['W-south', 2]],
    )
  })

  it("replaces a shard's tally of rejected readings as a whole, read again only when it changed", async () => {
    const lease = (await leases.take('1/2', 'owner-1', MINUTE))!
    const seen = new Map<string, number>()
    await live.pull(['1/2'], seen)
    const tally = { since: 5_000, counts: [rejected('north', 3, 'W-north'), rejected('', 1)] }
    await live.push(lease, { statuses: [], rates: [], rejections: tally })
    expect((await live.pull(['1/2'], seen)).rejections).toEqual(new Map([['1/2', tally]]))
    // A push without the tally leaves it; the next pull does not read it again.
    await live.push(lease, { statuses: [row('W-north', 7)], rates: [] })
    expect((await live.pull(['1/2'], seen)).rejections).toEqual(new Map())
    // A new tally (a new owner counts from its start) replaces the old one whole.
    const fresh = { since: 9_000, counts: [rejected('north', 1)] }
    await live.push(lease, { statuses: [], rates: [], rejections: fresh })
    expect((await live.pull(['1/2'], seen)).rejections).toEqual(new Map([['1/2', fresh]]))
    expect((await live.pull(['1/2'], new Map())).rejections).toEqual(new Map([['1/2', fresh]]))
  })

  it('keeps rate buckets by meter and window, and drops those older than asked', async () => {
    const lease = (await leases.take('1/2', 'owner-1', MINUTE))!
    const buckets = [0, 1, 2, 3].flatMap((b) => [
      { meterId: 'W-north', bucket: b * BUCKET, mean: b + 0.5, max: b + 1 },
      { meterId: 'E-north', bucket: b * BUCKET, mean: 10 * b, max: 10 * b },
    ])
    expect(await live.push(lease, { statuses: [], rates: buckets })).toBe(true)
    expect(await live.rates(['W-north'], BUCKET, 3 * BUCKET)).toEqual([
      { meterId: 'W-north', bucket: BUCKET, mean: 1.5, max: 2 },
      { meterId: 'W-north', bucket: 2 * BUCKET, mean: 2.5, max: 3 },
    ])
    // A bucket pushed again (more readings in it) replaces the one there.
    await live.push(lease, {
      statuses: [],
      rates: [{ meterId: 'W-north', bucket: 3 * BUCKET, mean: 7, max: 9 }],
      dropRatesBefore: 2 * BUCKET,
    })
    expect(await live.rates(['W-north', 'E-north'], 0, 10 * BUCKET)).toEqual([
      { meterId: 'E-north', bucket: 2 * BUCKET, mean: 20, max: 20 },
      { meterId: 'E-north', bucket: 3 * BUCKET, mean: 30, max: 30 },
      { meterId: 'W-north', bucket: 2 * BUCKET, mean: 2.5, max: 3 },
      { meterId: 'W-north', bucket: 3 * BUCKET, mean: 7, max: 9 },
    ])
  })
})
