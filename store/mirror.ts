/**
 * The mirror of this worker's report history in PostgreSQL (DATABASE_URL, docs/store.md): after
 * every write of the history (a rollup flush, classroom temperatures), and at start to catch up,
 * the rows whose stamp is past the source's watermark are copied — as they are now, in batches,
 * as idempotent upserts — and the watermark is moved to the stamp the pass started from.
 *
 * SQLite stays the source of truth and ingest never waits for PostgreSQL: a pass that fails (the
 * server down, the network cut) loses nothing, since the stamps and the watermark decide what is
 * still to copy; it is retried with a growing delay. The watermark is kept in PostgreSQL, by the
 * SQLite file's own source id: a new or replaced database starts from 0 and gets the whole
 * history, and a standby that takes over a shard's DATA_DIR carries on where its owner stopped.
 */
import { Jobs } from '../core/jobs.js'
import {
  cursorAfter,
  type DayTotals,
  HISTORY_TABLES,
  type HistoryChanges,
  type HistoryStamps,
  type HistoryStore,
  type HistoryTable,
  type RoomHour,
} from './history.js'
import type { HourRollup, Totals } from './reports.js'

/** Where the mirror writes (store/postgres/history.ts). */
export interface MirrorTarget {
  watermark(source: string): Promise<number>
  write(source: string, changes: HistoryChanges): Promise<void>
  advance(source: string, stamp: number): Promise<void>
  forget(source: string, tables: readonly HistoryTable[]): Promise<void>
}

export interface MirrorOptions {
  stamps: HistoryStamps
  target: MirrorTarget
  /** A pass failed; the next is tried in `retryInMs` (or at the next write or report). */
  onError?: (err: unknown, retryInMs: number) => void
  /** A pass copied `rows` rows and moved the watermark to `through`. */
  onPass?: (pass: { rows: number; through: number }) => void
  /** Rows read from SQLite and written to PostgreSQL at a time (default 5,000). */
  batchRows?: number
  /** The delay before retrying a failed pass, doubled at each failure up to `maxRetryMs` (1 s, 60 s). */
  firstRetryMs?: number
  maxRetryMs?: number
}

export class HistoryMirror {
  private readonly jobs = new Jobs()
  /** Passes asked for, and through which ask the passes run so far went. */
  private asked = 0
  private served = 0
  private waiters: { ask: number; resolve: () => void }[] = []
  private running: Promise<void> | undefined
  private retry: NodeJS.Timeout | undefined
  private failures = 0
  private started = false
  private stopped = false
  /** The stamp through which this process has mirrored the history. */
  private mirrored = 0

  constructor(private readonly o: MirrorOptions) {}

  /** Catches up now, then mirrors after every write (`wake`). */
  start(): void {
    this.started = true
    this.stopped = false
    void this.request()
  }

  /** A write of the history committed: mirror it soon, unless a retry is waiting (it takes this too). */
  wake(): void {
    if (!this.started || this.stopped || this.retry) return
    void this.request()
  }

  /** Whether the SQLite file holds writes this process has not mirrored yet. */
  get behind(): boolean {
    return this.o.stamps.current() > this.mirrored
  }

  /**
   * Mirrors what is written now: resolves once a pass that started after this call has ended,
   * whatever its outcome (a failure is retried in the background, and said through `onError`).
   */
  synced(): Promise<void> {
    if (this.stopped) return Promise.resolve()
    return this.request()
  }

  /**
   * Waits for a pass under way; once started, makes one last attempt at what the final flush
   * wrote (what it cannot copy waits for the next start). Stops retrying.
   */
  async stop(): Promise<void> {
    if (this.stopped) return
    if (this.retry) clearTimeout(this.retry)
    this.retry = undefined
    await this.jobs.settled()
    if (this.started && this.behind) await this.jobs.run(() => this.attempt())
    this.stopped = true
    this.started = false
    if (this.retry) clearTimeout(this.retry)
    this.retry = undefined
    for (const w of this.waiters.splice(0)) w.resolve()
  }

  private request(): Promise<void> {
    const ask = ++this.asked
    const done = new Promise<void>((resolve) => this.waiters.push({ ask, resolve }))
    this.running ??= this.jobs.run(() => this.loop())
    return done
  }

  private async loop(): Promise<void> {
    try {
      while (this.served < this.asked) {
        const ask = this.asked
        const ok = await this.attempt()
        // A failed pass answers everyone waiting: the next waits for the retry.
        this.served = ok ? ask : this.asked
        for (const w of this.waiters) if (w.ask <= this.served) w.resolve()
        this.waiters = this.waiters.filter((w) => w.ask > this.served)
      }
    } finally {
      this.running = undefined
    }
  }

  /** One pass; on failure, the retry is scheduled. */
  private async attempt(): Promise<boolean> {
    try {
      const { rows, through } = await this.pass()
      this.mirrored = Math.max(this.mirrored, through)
      this.failures = 0
      if (this.retry) clearTimeout(this.retry)
      this.retry = undefined
      this.o.onPass?.({ rows, through })
      return true
    } catch (err) {
      this.failures++
      const first = this.o.firstRetryMs ?? 1_000
      const delay = Math.min(this.o.maxRetryMs ?? 60_000, first * 2 ** (this.failures - 1))
      this.o.onError?.(err, delay)
      if (!this.stopped && this.started && !this.retry) {
        this.retry = setTimeout(() => {
          this.retry = undefined
          if (this.started && !this.stopped) void this.request()
        }, delay)
        this.retry.unref()
      }
      return false
    }
  }

  /** Copies the rows stamped after the watermark through the last stamp taken; the rows copied. */
  private async pass(): Promise<{ rows: number; through: number }> {
    const { stamps, target } = this.o
    const batch = this.o.batchRows ?? 5_000
    const source = stamps.source()
    const through = stamps.current()
    let after = await target.watermark(source)
    if (after > through) {
      // This SQLite file went back in time (restored from an older copy): mirror it anew.
      await target.forget(source, HISTORY_TABLES)
      after = 0
    }
    let copied = 0
    if (after === through) return { rows: 0, through }
    for (const table of HISTORY_TABLES) {
      let cursor: readonly unknown[] | undefined
      for (;;) {
        const rows = stamps.changes(table, after, through, batch, cursor)
        if (rows.length === 0) break
        await target.write(source, { table, rows })
        copied += rows.length
        if (rows.length < batch) break
        cursor = cursorAfter(table, rows[rows.length - 1]!)
      }
    }
    await target.advance(source, through)
    return { rows: copied, through }
  }
}

/**
 * The history as PostgreSQL holds it, read once this worker's own writes are there: a report
 * right after a flush sees what the flush wrote.
 */
export class MirroredHistory implements HistoryStore {
  constructor(
    private readonly mirror: HistoryMirror,
    private readonly read: HistoryStore,
  ) {}

  private async ready(): Promise<void> {
    if (this.mirror.behind) await this.mirror.synced()
  }

  async hours(meterIds: string[], from: number, to: number): Promise<HourRollup[]> {
    await this.ready()
    return this.read.hours(meterIds, from, to)
  }

  async totals(meterIds: string[], from: number, to: number): Promise<Totals> {
    await this.ready()
    return this.read.totals(meterIds, from, to)
  }

  async totalsByMeter(meterIds: string[], from: number, to: number) {
    await this.ready()
    return this.read.totalsByMeter(meterIds, from, to)
  }

  async dailyTotals(meterIds: string[], from: number, to: number, offsetMs: number): Promise<DayTotals[]> {
    await this.ready()
    return this.read.dailyTotals(meterIds, from, to, offsetMs)
  }

  async firstHour(meterIds: string[]): Promise<number | undefined> {
    await this.ready()
    return this.read.firstHour(meterIds)
  }

  async outdoorMeans(school: string, fromDate: string, toDate: string): Promise<Map<string, number>> {
    await this.ready()
    return this.read.outdoorMeans(school, fromDate, toDate)
  }

  async outdoorHourlyMeans(school: string, from: number, to: number) {
    await this.ready()
    return this.read.outdoorHourlyMeans(school, from, to)
  }

  async supplyMaxSince(meterId: string, fromDate: string): Promise<number | undefined> {
    await this.ready()
    return this.read.supplyMaxSince(meterId, fromDate)
  }

  async roomHours(meterIds: string[], from: number, to: number): Promise<RoomHour[]> {
    await this.ready()
    return this.read.roomHours(meterIds, from, to)
  }
}
