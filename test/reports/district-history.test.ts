/**
 * Report history of sharded workers meets in PostgreSQL: two workers, each with its own SQLite
 * DATA_DIR and some of the demo district's schools, one PostgreSQL. The district-wide outputs —
 * the monthly ranking, the provincial platform's package, the sub-item report — built on either
 * worker cover every school with the figures of one SQLite file that holds them all. The mirror
 * loses nothing and doubles nothing when PostgreSQL is unreachable during flushes, a new database
 * gets the whole history, and mirroring the same stamps again changes nothing.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_CONFIG_PATH, parseConfig } from '../../core/config/load.js'
import { RoomTemperatures } from '../../reports/heating.js'
import { MonthlyReports, Rollups, SubItemReports } from '../../reports/index.js'
import { buildPackage } from '../../reports/platform/package.js'
import { calendarsOf, createSimulation, encode } from '../../simulator/index.js'
import { HISTORY_TABLES } from '../../store/history.js'
import { type MirrorOptions, openPostgresAppStore, openStore, type Store } from '../../store/index.js'
import { ingesting } from '../helpers/ingesting.js'
import { testLog } from '../helpers/log.js'
import { type Postgres, startPostgres } from '../helpers/postgres.js'
import { relay } from '../helpers/relay.js'

const { registry } = parseConfig(readFileSync(DEMO_CONFIG_PATH, 'utf8'))
const FROM = Date.parse('2026-10-11T00:00:00+08:00')
const TO = Date.parse('2026-10-13T00:00:00+08:00')
/** Worker 1's schools; worker 2 has the others. */
const SHARD_1 = new Set(['sunshine-primary'])

let db: Postgres
const opened: Store[] = []
const dir = () => mkdtempSync(join(tmpdir(), 'schoolmeter-history-'))

/** Two days of the demo district as its gateways send them, in slices of six hours. */
function simulate(): { topic: string; payload: string; at: number }[][] {
  const sites = Object.fromEntries([...registry.schools.keys()].map((id) => [id, { irrigated: false }]))
  const sim = createSimulation({ registry, start: FROM, sites, seed: 'district-history', stepMs: 60_000 })
  const cal = calendarsOf(registry)
  const slices = []
  for (let t = FROM; t < TO; t += 6 * 3_600_000) {
    const at = t + 6 * 3_600_000
    slices.push(encode(sim.advance(at), cal, { gateway: true, batchSize: 500 }).map((m) => ({ ...m, at })))
  }
  return slices
}
const SLICES = simulate()
const schoolOf = (topic: string) => topic.split('/')[1]!

/** A worker's stream: ingest, rollups and classroom temperatures on `store`, for some schools. */
async function worker(store: Store, mine: (school: string) => boolean) {
  const { bus, ingest } = await ingesting(registry, {}, store)
  const rollups = new Rollups({ registry, store, bus, log: testLog, flushIntervalMs: 0 })
  const rooms = new RoomTemperatures({ store, bus, log: testLog, flushIntervalMs: 0 })
  rollups.start()
  rooms.start()
  return {
    /** Takes slices `from` to `to` of the simulation, flushing after each as the minute's flush does. */
    feed(from: number, to = SLICES.length) {
      for (const slice of SLICES.slice(from, to)) {
        for (const m of slice)
          if (mine(schoolOf(m.topic))) ingest.handle(m.topic, Buffer.from(m.payload), m.at)
        rollups.flush()
        rooms.flush()
      }
    },
  }
}

async function served(url: string, o: StoreOptionsMirror = {}, at = dir()): Promise<Store> {
  const store = openStore(at, await openPostgresAppStore(url, { poolSize: 2 }), { mirror: o })
  opened.push(store)
  return store
}
type StoreOptionsMirror = Omit<MirrorOptions, 'stamps' | 'target'>

async function database(name: string): Promise<string> {
  await db.query(`CREATE DATABASE ${name}`)
  return db.url.replace(/\/[^/]*$/, `/${name}`)
}

/**
 * The same outputs, to their last rounded digit: SQLite adds with compensated summation,
 * PostgreSQL adds in order, so a sum can differ in its last bits and a figure that sits on a
 * rounding boundary by one unit of its last digit (0.001). Text and structure must be equal.
 */
function expectSame(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    expect(Math.abs(actual - expected), path).toBeLessThanOrEqual(
      0.0011 * Math.max(1, Math.abs(expected) / 1000),
    )
  } else if (typeof expected === 'string' && typeof actual === 'string') {
    const number = /-?\d+\.\d+/g
    expect(actual.replace(number, '#'), path).toBe(expected.replace(number, '#'))
    const [a, e] = [actual.match(number) ?? [], expected.match(number) ?? []]
    for (const [i, x] of a.entries()) expectSame(Number(x), Number(e[i]), `${path}#${i}`)
  } else if (expected !== null && typeof expected === 'object') {
    expect(actual !== null && typeof actual === 'object', path).toBe(true)
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort())
    for (const [k, v] of Object.entries(expected))
      expectSame((actual as Record<string, unknown>)[k], v, `${path}.${k}`)
  } else expect(actual, path).toEqual(expected)
}

/** What the district's outputs say, as built on `store`. */
async function outputs(store: Store) {
  const monthly = new MonthlyReports({ registry, store, now: () => TO })
  return {
    electricity: await monthly.ranking('2026-10', 'electricity'),
    water: await monthly.ranking('2026-10', 'water'),
    energy: (await buildPackage({ registry, store, date: '2026-10-12' })).energy.xml,
    subitems: await new SubItemReports({ registry, store }).report('2026-10-12'),
  }
}

/** Every history row of `store`'s SQLite file, by table, and as the mirror in `url` holds its source. */
async function rows(store: Store, url: string) {
  const local: Record<string, unknown[][]> = {}
  const mirrored: Record<string, unknown[][]> = {}
  const source = store.stamps.source()
  for (const t of HISTORY_TABLES) {
    const columns = [...t.keys, ...t.values]
    local[t.name] = store.db
      .prepare(`SELECT ${columns.join(', ')} FROM ${t.name} ORDER BY ${t.keys.join(', ')}`)
      .raw(true)
      .all() as unknown[][]
    const order = t.keys.map((k) => (k === 'hour' ? k : `${k} COLLATE "C"`))
    mirrored[t.name] = await sql(
      url,
      `SELECT ${columns.join(', ')} FROM history_${t.name} WHERE source = $1 ORDER BY ${order.join(', ')}`,
      [source],
    )
  }
  return { local, mirrored }
}

/** One statement on the database at `url`, its rows as arrays. */
async function sql(url: string, text: string, values: unknown[] = []): Promise<unknown[][]> {
  const c = new pg.Client({ connectionString: url, types: { getTypeParser: numbers } })
  await c.connect()
  try {
    return (await c.query({ text, values, rowMode: 'array' })).rows
  } finally {
    await c.end()
  }
}

const total = (tables: Record<string, unknown[][]>) => Object.values(tables).reduce((n, t) => n + t.length, 0)

/** BIGINT and DOUBLE PRECISION as numbers, as SQLite gives them. */
function numbers(oid: number): (v: string) => unknown {
  return oid === 20 || oid === 701 ? Number : (v: string) => v
}

/** Resolves at the first event `check` accepts. */
function eventually<T>(): { push(v: T): void; when(check: (v: T) => boolean): Promise<T> } {
  const seen: T[] = []
  const waiting: { check: (v: T) => boolean; resolve: (v: T) => void }[] = []
  return {
    push(v) {
      seen.push(v)
      for (const w of waiting.splice(0)) {
        if (w.check(v)) w.resolve(v)
        else waiting.push(w)
      }
    },
    when(check) {
      const found = seen.find(check)
      if (found !== undefined) return Promise.resolve(found)
      return new Promise((resolve) => waiting.push({ check, resolve }))
    },
  }
}

beforeAll(async () => {
  db = await startPostgres()
})
afterAll(async () => {
  for (const s of opened) await s.close().catch(() => {})
  await db?.stop()
})

describe('report history of sharded workers in PostgreSQL', () => {
  it('district-wide outputs on either worker cover every school, with the figures of one SQLite file', async () => {
    const single = openStore(dir())
    opened.push(single)
    const whole = await worker(single, () => true)
    whole.feed(0)
    const url = await database('shards')
    const [one, two] = [await served(url), await served(url)]
    // As the reports part does: each worker's mirror follows its flushes.
    for (const w of [one, two]) w.mirror!.start()
    const [first, second] = [
      await worker(one, (s) => SHARD_1.has(s)),
      await worker(two, (s) => !SHARD_1.has(s)),
    ]
    first.feed(0)
    second.feed(0)
    await Promise.all([one.mirror!.synced(), two.mirror!.synced()])

    const expected = await outputs(single)
    expect(expected.electricity.map((r) => r.school).sort()).toEqual([...registry.schools.keys()].sort())
    // Each worker's own file holds its schools alone …
    expect(one.rollups.firstHour([...registry.schools.get('riverside-middle')!.meters.keys()])).toBe(
      undefined,
    )
    // … and the reports built on either see the whole district, as one file would.
    expectSame(await outputs(one), expected)
    expectSame(await outputs(two), expected)
  })

  it('loses nothing and doubles nothing while PostgreSQL is unreachable; a new database gets it all; the same stamps again change nothing', async () => {
    const url = await database('outage')
    const cut = await relay(db.port)
    const viaRelay = url.replace(/:(\d+)\//, `:${cut.port}/`)
    const passes = eventually<{ rows: number; through: number }>()
    const errors = eventually<unknown>()
    const at = dir()
    const store = await served(
      viaRelay,
      { firstRetryMs: 5, maxRetryMs: 20, onPass: (p) => passes.push(p), onError: (e) => errors.push(e) },
      at,
    )
    store.mirror!.start()
    const w = await worker(store, (s) => SHARD_1.has(s))
    w.feed(0, 3)
    await passes.when((p) => p.through === store.stamps.current() && p.rows > 0)

    // PostgreSQL goes away: the flushes go on, in SQLite; the mirror fails and retries.
    await cut.cut()
    w.feed(3, 6)
    await errors.when(() => true)
    const during = store.stamps.current()
    // It comes back: the retry copies what was written meanwhile, by itself.
    await cut.restore()
    await passes.when((p) => p.through === during)
    w.feed(6)
    await store.mirror!.synced()
    let r = await rows(store, url)
    expect(r.local.rollup_hourly!.length).toBeGreaterThan(100)
    expect(r.local.outdoor_hourly!.length).toBeGreaterThan(10)
    expect(r.mirrored).toEqual(r.local)

    // A write of older values (a row as an earlier stamp left it) never replaces newer ones.
    const direct = await openPostgresAppStore(url, { poolSize: 1 })
    try {
      const [first] = store.stamps.changes(HISTORY_TABLES[0]!, 0, store.stamps.current(), 1)
      expect(first!.at(-1)).toBeGreaterThan(1)
      await direct.historyTarget.write(store.stamps.source(), {
        table: HISTORY_TABLES[0]!,
        rows: [[...first!.slice(0, 2), 1e9, 0, 0, 0, 1]],
      })
    } finally {
      await direct.close()
    }
    expect((await rows(store, url)).mirrored).toEqual(r.local)
    // The same stamps mirrored again (the watermark back to 0): the same rows, none doubled.
    await sql(url, 'UPDATE history_sources SET watermark = 0')
    const copied = passes.when((p) => p.through === store.stamps.current() && p.rows === total(r.local))
    await store.mirror!.synced()
    await copied
    r = await rows(store, url)
    expect(r.mirrored).toEqual(r.local)
    const reports = await outputs(store)

    // A new PostgreSQL: the worker's next start mirrors its whole history there, from stamp 0.
    await store.close()
    const fresh = await database('fresh')
    const again = await served(fresh, {}, at)
    again.mirror!.start()
    await again.mirror!.synced()
    const f = await rows(again, fresh)
    expect(f.mirrored).toEqual(f.local)
    expect(f.local).toEqual(r.local)
    expectSame(await outputs(again), reports)
    await cut.cut()
  })

  it('sums the sources in one order, however the rows lie on disk: a report asked twice is the same to the last bit', async () => {
    const url = await database('summing')
    // Read as a large table is, in the order the rows lie (a small one would be read by its index).
    await db.query('ALTER DATABASE summing SET enable_indexscan = off')
    await db.query('ALTER DATABASE summing SET enable_bitmapscan = off')
    const store = await served(url)
    // Three sources whose sum depends on the order it is taken in: (1e16 + 1) − 1e16 is 0 and
    // (1e16 − 1e16) + 1 is 1 in floating point.
    const put = async (source: string, used: number) =>
      sql(
        url,
        `INSERT INTO history_rollup_hourly (meter_id, hour, source, used, used_unoccupied, used_estimated, covered_ms, stamp)
         VALUES ('W1', 0, $1, $2, $2, 0, 1000, 1)
         ON CONFLICT (meter_id, hour, source) DO UPDATE SET used = excluded.used, used_unoccupied = excluded.used_unoccupied`,
        [source, used],
      )
    for (const [source, used] of [
      ['a', 1e16],
      ['b', 1],
      ['c', -1e16],
    ] as const)
      await put(source, used)
    const asked = async () => ({
      hours: await store.history.hours(['W1'], 0, 3_600_000),
      totals: await store.history.totals(['W1'], 0, 3_600_000),
      byMeter: [...(await store.history.totalsByMeter(['W1'], 0, 3_600_000))],
      daily: await store.history.dailyTotals(['W1'], 0, 3_600_000, 0),
    })
    const before = await asked()
    // A mirror pass rewrites rows: PostgreSQL puts an updated row at the end of the table.
    for (const [source, used] of [
      ['a', 1e16],
      ['b', 1],
    ] as const)
      await put(source, used)
    expect(await asked()).toEqual(before)
  })
})
