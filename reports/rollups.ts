/**
 * Rollups maintained on the stream: per meter and local hour, the consumption, the part of it
 * used while the building (or any building the meter serves) was empty, the part that is only
 * estimated (sent as such, or spread over a gap), and how much of the hour real readings covered.
 * Also each school's outdoor temperature per day and per hour, and each heating circuit's daily
 * highest supply.
 * Kept in SQLite: reports never need InfluxDB.
 */
import type { Logger } from 'pino'
import type { Bus } from '../core/bus.js'
import { Calendars, type SchoolCalendar } from '../core/calendar.js'
import { nextTurn } from '../core/checkpoint.js'
import type { Reading, UsedRevision } from '../core/reading.js'
import { type Building, type Meter, type Registry, servedBuildings } from '../core/registry.js'
import { spread } from '../core/time.js'
import type { HourRollup, Store } from '../store/index.js'

const HOUR = 3_600_000
/** An interval longer than this (and than twice the meter's own interval) is a gap. */
const GAP_MIN_MS = 15 * 60_000

export interface RollupsOptions {
  registry: Registry
  store: Store
  bus: Bus
  log: Logger
  /** Called after a flush for every meter-hour that changed, with its new totals (InfluxDB `usage_hourly`). */
  onHour?: (meter: Meter, rollup: HourRollup) => void
  /** How often to write what accumulated; 0 when the service's checkpoints do (through `capture`). */
  flushIntervalMs?: number
  /**
   * True while readings are replayed that earlier flushes already counted (after a crash, the
   * journal is replayed from the last checkpoint, but a report may have flushed rollups since).
   */
  skip?: () => boolean
  /**
   * Called when a flush takes what accumulated; what it returns runs inside the transaction that
   * writes it (the service records how far the rollups got: the journal position at the take).
   */
  onFlush?: () => (() => void) | undefined
}

interface MeterHour {
  meterId: string
  hour: number
}

/** Meter-hours written aside per transaction by a flush in slices. */
const STAGE_ROWS = 1000
/**
 * New totals handed to `onHour` at a time, how long apart, and within how long at most: a minute's
 * 20,000 meter-hours (40,000 `usage_hourly` lines) reach InfluxDB over five seconds rather than at
 * once, where they competed with ingest for the CPU; a backlog of a million (a day of readings
 * sent late) is handed over within 30 s, in bigger slices.
 */
const ANNOUNCE_ROWS = 1000
const ANNOUNCE_EVERY_MS = 250
const ANNOUNCE_WITHIN_MS = 30_000

/** What one flush took: the increments, and how to record how far they go. */
interface Taken {
  rows: HourRollup[]
  outdoor: [string, string, number, number][]
  outdoorHourly: [string, number, number, number][]
  supply: [string, string, number][]
  mark: (() => void) | undefined
  /** Rows written to the stage so far (a flush in slices). */
  staged: number
}

/**
 * How often rollups are written: a flush touches every changed meter-hour (20,000 of them in
 * about 0.1 s of work here, in slices), and reports flush first anyway, so once a minute is plenty.
 */
export const FLUSH_EVERY_MS = 60_000

/** The meta key of the journal position the rollups saved count through (see `RollupsOptions.onFlush`). */
export const ROLLUPS_KEY = 'rollups_through'

export class Rollups {
  private readonly calendars = new Calendars()
  private readonly serves: ReadonlyMap<string, readonly Building[]>
  private pending = new Map<string, HourRollup>()
  /**
   * Each meter's latest entry, per pending map (weakly, so that a map handed to the store is not
   * kept alive by it).
   */
  private readonly recent = new WeakMap<Map<string, HourRollup>, Map<string, HourRollup>>()
  private outdoor = new Map<string, [string, string, number, number]>()
  private outdoorHourly = new Map<string, [string, number, number, number]>()
  private supply = new Map<string, [string, string, number]>()
  private readonly off: (() => void)[] = []
  private timer: NodeJS.Timeout | undefined
  /** A flush in slices under way. */
  private inFlight: Taken | undefined
  /** Meter-hours whose new totals are not yet handed to `onHour`, by flush. */
  private unannounced: MeterHour[][] = []
  /** How many of `unannounced[0]` were handed over. */
  private announcedOfFirst = 0
  /** Meter-hours in `unannounced` not handed over yet. */
  private waiting = 0
  /** Meter-hours handed over per slice while pacing. */
  private perSlice = ANNOUNCE_ROWS
  /** Meter-hours an earlier run kept in the store (`rollup_unannounced`), not handed over yet. */
  private kept = 0
  private pacing = false
  private stopped = false
  private announcedWaiters: (() => void)[] = []

  constructor(private readonly o: RollupsOptions) {
    this.serves = servedBuildings(o.registry)
  }

  start(): void {
    const skip = this.o.skip
    this.off.push(
      this.o.bus.on('reading', skip ? (r) => skip() || this.onReading(r) : (r) => this.onReading(r)),
    )
    this.off.push(
      this.o.bus.on('revision', skip ? (r) => skip() || this.onRevision(r) : (r) => this.onRevision(r)),
    )
    const every = this.o.flushIntervalMs ?? FLUSH_EVERY_MS
    if (every > 0) {
      this.timer = setInterval(() => void this.flushInSlices(), every)
      this.timer.unref()
    }
    // Totals the last run had not handed over when it stopped: read from the store a slice at a
    // time, deleted once handed over, starting after this start has finished.
    if (this.o.onHour) {
      this.kept = this.o.store.rollups.countUnannounced()
      if (this.kept > 0) {
        this.paceFor(0)
        setTimeout(() => void this.pace(), 0).unref()
      }
    }
  }

  /**
   * Flushes, and keeps the meter-hours whose totals are not handed over yet in the store for the
   * next start: after a backlog that can be a million of them, too many to send on the way down.
   */
  stop(): void {
    for (const f of this.off.splice(0)) f()
    if (this.timer) clearInterval(this.timer)
    if (this.o.flushIntervalMs !== 0) this.flush()
    this.stopped = true
    this.kept = 0
    if (this.waiting === 0) return
    const first = this.unannounced[0]!.slice(this.announcedOfFirst)
    this.o.store.rollups.keepUnannounced([first, ...this.unannounced.slice(1)].flat())
    this.unannounced = []
    this.announcedOfFirst = 0
    this.waiting = 0
    this.settle()
  }

  /** Resolves once every total waiting now (and since) has been handed to `onHour`. */
  whenAnnounced(): Promise<void> {
    if (this.waiting + this.kept === 0) return Promise.resolve()
    return new Promise((resolve) => this.announcedWaiters.push(resolve))
  }

  onReading(r: Reading): void {
    const meter = r.meter
    const cal = this.calendars.for(meter.school)
    if (meter.kind === 'temperature') {
      if (meter.config.placement === 'outdoor' && r.values.temp_c !== undefined) {
        const date = cal.local(r.ts).date
        const key = `${meter.school.id}|${date}`
        const e = this.outdoor.get(key) ?? [meter.school.id, date, 0, 0]
        e[2] += r.values.temp_c
        e[3]++
        this.outdoor.set(key, e)
        const hour = this.hourOf(r.ts, cal.offset(r.ts) * 60_000)
        const hourKey = `${meter.school.id}|${hour}`
        const h = this.outdoorHourly.get(hourKey) ?? [meter.school.id, hour, 0, 0]
        h[2] += r.values.temp_c
        h[3]++
        this.outdoorHourly.set(hourKey, h)
      }
      return
    }
    if (meter.kind === 'heat' && r.values.supply_c !== undefined) {
      const date = cal.local(r.ts).date
      const key = `${meter.id}|${date}`
      const e = this.supply.get(key)
      if (!e) this.supply.set(key, [meter.id, date, r.values.supply_c])
      else e[2] = Math.max(e[2], r.values.supply_c)
    }
    if (r.used === undefined || r.usedFrom === undefined) return
    const span = r.ts - r.usedFrom
    const gap = span > Math.max(2 * meter.intervalSeconds * 1000, GAP_MIN_MS)
    const offset = cal.offset(r.ts) * 60_000
    // The last stretch before a reading is what it measured; the rest of a gap is spread.
    const readingHour = this.hourOf(r.ts - 1, offset)
    const buildings = this.serves.get(meter.id) ?? [meter.building]
    const estimated = r.estimated
    spread(r.usedFrom, r.ts, r.used, HOUR, offset, (bucket, used, from, to) => {
      const hour = bucket * HOUR - offset
      const e = this.entry(meter.id, hour)
      e.used += used
      if (!anyOccupied(cal, buildings, (from + to) / 2)) e.usedUnoccupied += used
      if (estimated || (gap && hour !== readingHour)) e.usedEstimated += used
      else e.coveredMs += to - from
    })
  }

  /** An out-of-order reading changed an earlier interval's consumption: apply the difference. */
  onRevision(r: UsedRevision): void {
    const cal = this.calendars.for(r.meter.school)
    const offset = cal.offset(r.ts) * 60_000
    const buildings = this.serves.get(r.meter.id) ?? [r.meter.building]
    spread(r.usedFrom, r.ts, r.used - r.previousUsed, HOUR, offset, (bucket, used, from, to) => {
      const e = this.entry(r.meter.id, bucket * HOUR - offset)
      e.used += used
      if (!buildings.some((b) => cal.occupancy(b, (from + to) / 2).occupied)) e.usedUnoccupied += used
    })
  }

  /** Writes what accumulated since the last flush, at once (reports, shutdown, tests). */
  flush(): number {
    this.finishInFlight()
    const t = this.take()
    this.inFlight = t
    this.finishInFlight()
    return t.rows.length
  }

  /**
   * The periodic flush, without stopping ingest for long: the increments are written aside
   * (`rollup_stage`) a thousand meter-hours per transaction with ingest running in between, then
   * added to the hourly rollups in one statement in the transaction that records how far they
   * go; the new totals then go to `onHour` a slice at a time. A crash midway leaves only staged
   * rows, which the next start drops (the journal replays their readings). A `flush()` meanwhile
   * finishes this one first, so the recorded position never goes back.
   */
  async flushInSlices(): Promise<number> {
    if (this.inFlight) return 0
    const t = this.take()
    this.inFlight = t
    try {
      while (t.staged < t.rows.length) {
        const end = Math.min(t.staged + STAGE_ROWS, t.rows.length)
        this.o.store.rollups.stage(t.rows.slice(t.staged, end))
        t.staged = end
        await nextTurn()
        // A synchronous flush took over and finished this one.
        if (this.inFlight !== t) return t.rows.length
      }
      this.commitInFlight(t)
    } catch (err) {
      // Nothing is lost: the increments go back to be flushed again, the stage is emptied.
      if (this.inFlight === t) this.inFlight = undefined
      this.o.log.error({ err }, 'cannot write rollups; they are kept for the next flush')
      this.giveBack(t)
      return 0
    }
    return t.rows.length
  }

  /**
   * Meter-hours whose new totals go to `onHour`, a slice at a time. Each total is read from the
   * store when it is handed over, so whatever the order, none is older than one before it.
   */
  private enqueue(rows: MeterHour[]): void {
    if (!this.o.onHour || rows.length === 0) return
    this.unannounced.push(rows)
    this.paceFor(rows.length)
    void this.pace()
  }

  /** Counts `added` meter-hours more waiting, and sizes the slices to send all within 30 s. */
  private paceFor(added: number): void {
    this.waiting += added
    const slices = ANNOUNCE_WITHIN_MS / ANNOUNCE_EVERY_MS
    this.perSlice = Math.max(ANNOUNCE_ROWS, Math.ceil((this.waiting + this.kept) / slices))
  }

  private settle(): void {
    for (const resolve of this.announcedWaiters.splice(0)) resolve()
  }

  /** Hands the waiting totals to `onHour` a slice at a time, until none is left. */
  private async pace(): Promise<void> {
    if (this.pacing) return
    this.pacing = true
    try {
      while ((this.unannounced.length > 0 || this.kept > 0) && !this.stopped) {
        if (this.unannounced.length > 0) this.announce(this.perSlice)
        else this.announceKept(this.perSlice)
        if (this.unannounced.length > 0 || this.kept > 0)
          await new Promise<void>((resolve) => setTimeout(resolve, ANNOUNCE_EVERY_MS).unref())
      }
      if (this.waiting + this.kept === 0) this.settle()
    } catch (err) {
      this.o.log.error({ err }, 'cannot hand hourly totals over; the next flush tries again')
    } finally {
      this.pacing = false
    }
  }

  /** Takes what accumulated since the last flush. */
  private take(): Taken {
    const t: Taken = {
      rows: [...this.pending.values()],
      outdoor: [...this.outdoor.values()],
      outdoorHourly: [...this.outdoorHourly.values()],
      supply: [...this.supply.values()],
      mark: this.o.onFlush?.(),
      staged: 0,
    }
    this.pending = new Map()
    this.outdoor = new Map()
    this.outdoorHourly = new Map()
    this.supply = new Map()
    return t
  }

  private commitInFlight(t: Taken): void {
    const { store } = this.o
    store.inStep(() => {
      // The rows this flush changes take its stamp: the history's mirror copies them (store/mirror.ts).
      if (t.rows.length + t.outdoor.length + t.outdoorHourly.length + t.supply.length > 0) {
        const stamp = store.stamps.next()
        if (t.rows.length > 0) store.rollups.mergeStaged(stamp)
        store.outdoor.addMany(t.outdoor, stamp)
        store.outdoor.addHourly(t.outdoorHourly, stamp)
        store.supply.addMany(t.supply, stamp)
      }
      t.mark?.()
    })
    this.inFlight = undefined
    this.enqueue(t.rows)
  }

  /** Stages what the flush under way has left and commits it, now. */
  private finishInFlight(): void {
    const t = this.inFlight
    if (!t) return
    if (t.staged < t.rows.length) this.o.store.rollups.stage(t.rows.slice(t.staged))
    t.staged = t.rows.length
    this.commitInFlight(t)
  }

  /** Hands up to `max` of the meter-hours an earlier run kept to `onHour`. */
  private announceKept(max: number): void {
    const { rows, through } = this.o.store.rollups.nextUnannounced(max)
    for (const row of rows) this.handOver(row)
    if (rows.length > 0) this.o.store.rollups.dropUnannounced(through)
    this.kept = rows.length < max ? 0 : Math.max(0, this.kept - rows.length)
  }

  private handOver(row: MeterHour): void {
    const meter = this.o.registry.meters.get(row.meterId)
    const total = this.o.store.rollups.get(row.meterId, row.hour)
    if (meter && total) this.o.onHour?.(meter, total)
  }

  /** Hands up to `max` waiting meter-hours' totals to `onHour`. */
  private announce(max: number): void {
    let left = max
    while (left > 0 && this.unannounced.length > 0) {
      const rows = this.unannounced[0]!
      const end = Math.min(rows.length, this.announcedOfFirst + left)
      left -= end - this.announcedOfFirst
      this.waiting -= end - this.announcedOfFirst
      while (this.announcedOfFirst < end) this.handOver(rows[this.announcedOfFirst++]!)
      if (end === rows.length) {
        this.unannounced.shift()
        this.announcedOfFirst = 0
      }
    }
  }

  /** Puts a failed flush's increments back with what accumulated since. */
  private giveBack(t: Taken): void {
    try {
      this.o.store.rollups.discardStaged()
    } catch (err) {
      this.o.log.warn({ err }, 'cannot empty the rollup stage; the next start does')
    }
    for (const r of t.rows) {
      const e = this.entry(r.meterId, r.hour)
      e.used += r.used
      e.usedUnoccupied += r.usedUnoccupied
      e.usedEstimated += r.usedEstimated
      e.coveredMs += r.coveredMs
    }
    for (const o of t.outdoor) {
      const key = `${o[0]}|${o[1]}`
      const e = this.outdoor.get(key)
      if (!e) this.outdoor.set(key, o)
      else {
        e[2] += o[2]
        e[3] += o[3]
      }
    }
    for (const o of t.outdoorHourly) {
      const key = `${o[0]}|${o[1]}`
      const e = this.outdoorHourly.get(key)
      if (!e) this.outdoorHourly.set(key, o)
      else {
        e[2] += o[2]
        e[3] += o[3]
      }
    }
    for (const x of t.supply) {
      const key = `${x[0]}|${x[1]}`
      const e = this.supply.get(key)
      if (!e) this.supply.set(key, x)
      else e[2] = Math.max(e[2], x[2])
    }
  }

  private hourOf(ms: number, offset: number): number {
    return Math.floor((ms + offset) / HOUR) * HOUR - offset
  }

  private entry(meterId: string, hour: number): HourRollup {
    // Most readings land in the hour their meter's previous reading did: look that up first,
    // without building the key string.
    let recent = this.recent.get(this.pending)
    if (!recent) {
      recent = new Map()
      this.recent.set(this.pending, recent)
    }
    const last = recent.get(meterId)
    if (last !== undefined && last.hour === hour) return last
    const key = `${meterId}|${hour}`
    let e = this.pending.get(key)
    if (!e) {
      e = { meterId, hour, used: 0, usedUnoccupied: 0, usedEstimated: 0, coveredMs: 0 }
      this.pending.set(key, e)
    }
    recent.set(meterId, e)
    return e
  }
}

function anyOccupied(cal: SchoolCalendar, buildings: readonly Building[], ms: number): boolean {
  for (let i = 0; i < buildings.length; i++) if (cal.occupancy(buildings[i]!, ms).occupied) return true
  return false
}
