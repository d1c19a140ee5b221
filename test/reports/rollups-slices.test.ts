/**
 * The periodic rollup flush, written a slice at a time while readings keep arriving, comes out
 * exactly as flushing everything at once; a synchronous flush in the middle finishes it first (the
 * recorded position never goes back); a flush a crash cuts short leaves nothing that counts.
 * Real SQLite, the ingest pipeline in front.
 */
import { describe, expect, it } from 'vitest'
import { Bus } from '../../core/bus.js'
import { parseConfig } from '../../core/config/load.js'
import { Rollups } from '../../reports/index.js'
import { ingesting } from '../helpers/ingesting.js'
import { testLog } from '../helpers/log.js'

const METERS = 2500
const T0 = Date.UTC(2026, 10, 2, 0, 0)
const MIN = 60_000

const { registry } = parseConfig(
  JSON.stringify({
    schools: [
      {
        id: 's',
        name: 'S',
        timezone: 'Asia/Shanghai',
        buildings: [
          {
            id: 'main',
            use: 'teaching',
            meters: Array.from({ length: METERS }, (_, i) => ({
              id: `W${i}`,
              kind: 'water',
              intervalSeconds: 600,
            })),
          },
        ],
      },
    ],
  }),
  'slices.json',
)

async function pipeline() {
  const { store, bus, ingest } = await ingesting(registry, { snapshotIntervalMs: 0 })
  ingest.start()
  let seq = 0
  const marks: number[] = []
  const hours = new Map<string, number>()
  const rollups = new Rollups({
    registry,
    store,
    bus,
    log: testLog,
    flushIntervalMs: 0,
    onFlush: () => {
      const through = seq
      return () => marks.push(through)
    },
    onHour: (m, r) => hours.set(`${m.id}|${r.hour}`, r.used),
  })
  rollups.start()
  /** Step k: every meter, ten minutes on; litres differ by meter and step. */
  const step = (k: number) => {
    for (let i = 0; i < METERS; i++) {
      const litres = k * (10 + (i % 13))
      ingest.handle(
        `schools/s/meters/W${i}`,
        Buffer.from(`{"ts":${T0 + k * 10 * MIN},"volume_m3":${100 + litres / 1000}}`),
        T0 + k * 10 * MIN + 1,
      )
      seq++
    }
  }
  const table = () =>
    store.db
      .prepare(
        'SELECT meter_id, hour, used, used_unoccupied, used_estimated, covered_ms FROM rollup_hourly ORDER BY 1, 2',
      )
      .raw()
      .all()
  return { store, rollups, step, table, marks, hours }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('rollup flush in slices', () => {
  it('equals flushing at once, with readings arriving meanwhile and a report flushing midway', async () => {
    const a = await pipeline()
    const b = await pipeline()
    for (let k = 0; k <= 8; k++) {
      a.step(k)
      b.step(k)
    }
    a.rollups.flush()
    // b: a flush in slices, during which more readings arrive …
    const first = b.rollups.flushInSlices()
    await tick()
    expect(b.store.db.prepare('SELECT count(*) FROM rollup_stage').pluck().get()).toBeGreaterThan(0)
    for (let k = 9; k <= 12; k++) {
      a.step(k)
      b.step(k)
      await tick()
    }
    const firstRows = await first
    expect(firstRows).toBeGreaterThan(2 * 1000)
    // The new totals go to onHour a slice at a time, not all at once.
    expect(b.hours.size).toBeGreaterThan(0)
    expect(b.hours.size).toBeLessThan(firstRows)
    a.rollups.flush()
    // … and another one that a report's flush() overtakes.
    for (let k = 13; k <= 20; k++) {
      a.step(k)
      b.step(k)
    }
    const second = b.rollups.flushInSlices()
    await tick()
    b.step(21)
    a.step(21)
    b.rollups.flush()
    await second
    a.rollups.flush()
    b.rollups.flush()

    expect(b.table()).toEqual(a.table())
    expect(b.table().length).toBeGreaterThan(3 * METERS)
    expect(b.store.db.prepare('SELECT count(*) FROM rollup_stage').pluck().get()).toBe(0)
    // Positions recorded in order, never back; onHour saw each meter-hour's final total, and no
    // total of an earlier flush still waiting to be handed over comes later to overwrite it.
    expect(b.marks).toEqual([...b.marks].sort((x, y) => x - y))
    expect(b.marks.at(-1)).toBe(22 * METERS)
    // Resolved once nothing is left to hand over (nothing waiting, nothing kept): no older total
    // can come after it.
    await b.rollups.whenAnnounced()
    for (const [meterId, hour, used] of b.table() as [string, number, number][])
      expect(b.hours.get(`${meterId}|${hour}`)).toBeCloseTo(used, 9)
  })

  it('totals not handed over at stop are kept, and the next start hands them over', async () => {
    const p = await pipeline()
    for (let k = 0; k <= 12; k++) p.step(k)
    p.rollups.flush()
    // Stopped before the paced hand-over got far.
    p.rollups.stop()
    expect(p.hours.size).toBeGreaterThan(0)
    expect(p.hours.size).toBeLessThan(p.table().length)
    const kept = p.store.db.prepare('SELECT count(*) FROM rollup_unannounced').pluck().get() as number
    expect(kept).toBe(p.table().length - p.hours.size)

    const hours = new Map(p.hours)
    const next = new Rollups({
      registry,
      store: p.store,
      bus: new Bus(),
      log: testLog,
      flushIntervalMs: 0,
      onHour: (m, r) => hours.set(`${m.id}|${r.hour}`, r.used),
    })
    next.start()
    await next.whenAnnounced()
    expect(p.store.db.prepare('SELECT count(*) FROM rollup_unannounced').pluck().get()).toBe(0)
    expect(hours.size).toBe(p.table().length)
    for (const [meterId, hour, used] of p.table() as [string, number, number][])
      expect(hours.get(`${meterId}|${hour}`)).toBeCloseTo(used, 9)
    next.stop()
  })

  it('a flush cut short counts for nothing: its staged increments are dropped', async () => {
    const p = await pipeline()
    for (let k = 0; k <= 4; k++) p.step(k)
    p.rollups.flush()
    const before = p.table()
    for (let k = 5; k <= 8; k++) p.step(k)
    void p.rollups.flushInSlices()
    await tick()
    // The process dies here: staged rows exist, nothing was merged, the position was not recorded.
    expect(p.store.db.prepare('SELECT count(*) FROM rollup_stage').pluck().get()).toBeGreaterThan(0)
    expect(p.table()).toEqual(before)
    expect(p.marks).toHaveLength(1)
    expect(p.store.rollups.discardStaged()).toBeGreaterThan(0)
    expect(p.table()).toEqual(before)
  })
})
