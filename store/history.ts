/**
 * Report history: the hourly rollups, each school's outdoor temperature per day and per hour,
 * each heating circuit's daily highest supply and each classroom's temperature per hour — what
 * reports are computed from.
 *
 * It is written on the stream, synchronously and in step with the ingest journal, into SQLite in
 * the worker's DATA_DIR (store/reports.ts, reports/rollups.ts), which stays its source of truth.
 * Every write takes the next **stamp** (a counter in `meta`), and every row it changes keeps it:
 * what changed since a stamp is then a range of an index. With DATABASE_URL, a mirror
 * (store/mirror.ts) copies what changed to PostgreSQL, where every worker's history meets, and
 * reports read it there (`HistoryStore`): district-wide outputs cover every shard's schools.
 */
import { randomUUID } from 'node:crypto'
import type { Statement } from 'better-sqlite3'
import type { Db } from './db.js'
import type { MetaRepository } from './meta.js'
import type {
  HourRollup,
  OutdoorRepository,
  RollupRepository,
  RoomTemperatureRepository,
  SupplyRepository,
  Totals,
} from './reports.js'

/** What reports read of the history, asynchronously: from SQLite, or from the PostgreSQL mirror. */
export interface HistoryStore {
  /** Each meter's hours in [from, to), ordered by meter id then hour: the series behind charts. */
  hours(meterIds: string[], from: number, to: number): Promise<HourRollup[]>
  /** Totals over meters and [from, to). */
  totals(meterIds: string[], from: number, to: number): Promise<Totals>
  /** Each meter's consumption and coverage over [from, to) (meters without any are left out). */
  totalsByMeter(
    meterIds: string[],
    from: number,
    to: number,
  ): Promise<Map<string, { used: number; coveredMs: number }>>
  /**
   * Totals per local day over meters and [from, to), for a stretch in which the school's UTC
   * offset is `offsetMs` throughout: `day` counts local days since 1970-01-01.
   */
  dailyTotals(meterIds: string[], from: number, to: number, offsetMs: number): Promise<DayTotals[]>
  /** The earliest hour with any rollup for these meters. */
  firstHour(meterIds: string[]): Promise<number | undefined>
  /** A school's mean outdoor temperature per local date in [fromDate, toDate]. */
  outdoorMeans(school: string, fromDate: string, toDate: string): Promise<Map<string, number>>
  /** A school's mean outdoor temperature per local hour in [from, to), oldest first. */
  outdoorHourlyMeans(school: string, from: number, to: number): Promise<{ hour: number; mean: number }[]>
  /** A heating circuit's highest supply temperature on or after a local date. */
  supplyMaxSince(meterId: string, fromDate: string): Promise<number | undefined>
  /** Mean and lowest classroom temperature per meter and hour in [from, to), by meter id then hour. */
  roomHours(meterIds: string[], from: number, to: number): Promise<RoomHour[]>
}

export interface DayTotals extends Totals {
  day: number
}

export interface RoomHour {
  meterId: string
  hour: number
  meanC: number
  minC: number
}

/** The history as this worker's SQLite file holds it (the embedded default). */
export class SqliteHistory implements HistoryStore {
  constructor(
    private readonly r: {
      rollups: RollupRepository
      outdoor: OutdoorRepository
      supply: SupplyRepository
      roomTemperatures: RoomTemperatureRepository
    },
  ) {}

  async hours(meterIds: string[], from: number, to: number): Promise<HourRollup[]> {
    return this.r.rollups.hours(meterIds, from, to)
  }

  async totals(meterIds: string[], from: number, to: number): Promise<Totals> {
    return this.r.rollups.totals(meterIds, from, to)
  }

  async totalsByMeter(meterIds: string[], from: number, to: number) {
    return this.r.rollups.totalsByMeter(meterIds, from, to)
  }

  async dailyTotals(meterIds: string[], from: number, to: number, offsetMs: number): Promise<DayTotals[]> {
    return this.r.rollups.dailyTotals(meterIds, from, to, offsetMs)
  }

  async firstHour(meterIds: string[]): Promise<number | undefined> {
    return this.r.rollups.firstHour(meterIds)
  }

  async outdoorMeans(school: string, fromDate: string, toDate: string): Promise<Map<string, number>> {
    return this.r.outdoor.means(school, fromDate, toDate)
  }

  async outdoorHourlyMeans(school: string, from: number, to: number) {
    return this.r.outdoor.hourlyMeans(school, from, to)
  }

  async supplyMaxSince(meterId: string, fromDate: string): Promise<number | undefined> {
    return this.r.supply.maxSince(meterId, fromDate)
  }

  async roomHours(meterIds: string[], from: number, to: number): Promise<RoomHour[]> {
    return this.r.roomTemperatures.hours(meterIds, from, to)
  }
}

/** A history table as the mirror copies it: its key columns and its value columns, in order. */
export interface HistoryTable {
  name: HistoryTableName
  keys: readonly string[]
  values: readonly string[]
}

export type HistoryTableName =
  | 'rollup_hourly'
  | 'outdoor_daily'
  | 'outdoor_hourly'
  | 'supply_daily'
  | 'room_temp_hourly'

/** The history's tables, with their key columns in the order of their stamp index (migration 18). */
export const HISTORY_TABLES: readonly HistoryTable[] = [
  {
    name: 'rollup_hourly',
    keys: ['hour', 'meter_id'],
    values: ['used', 'used_unoccupied', 'used_estimated', 'covered_ms'],
  },
  { name: 'outdoor_daily', keys: ['school_id', 'date'], values: ['sum_c', 'n'] },
  { name: 'outdoor_hourly', keys: ['school_id', 'hour'], values: ['sum_c', 'n'] },
  { name: 'supply_daily', keys: ['meter_id', 'date'], values: ['max_supply_c'] },
  { name: 'room_temp_hourly', keys: ['meter_id', 'hour'], values: ['sum_c', 'n', 'min_c'] },
]

/** A batch of changed rows of one table: each row its keys, then its values, then its stamp. */
export interface HistoryChanges {
  table: HistoryTable
  rows: unknown[][]
}

/** Where a reading of changes goes on: after this row (its stamp, then its keys). */
export type ChangeCursor = readonly unknown[]

/** The meta key of the last stamp taken. */
export const STAMP_KEY = 'history_stamp'
/** The meta key of this SQLite file's name as a source of history (its watermark in the mirror). */
export const SOURCE_KEY = 'history_source'

/**
 * The stamps of this SQLite file's history: `next` for a write, and what changed between two
 * stamps for the mirror.
 */
export class HistoryStamps {
  private readonly reads = new Map<string, Statement<unknown[]>>()

  constructor(
    private readonly db: Db,
    private readonly meta: MetaRepository,
    /** Called after a stamp was taken, once the write that took it is over (the mirror's cue). */
    private readonly onStamp: () => void = () => {},
  ) {}

  /**
   * The stamp of a write, taken inside its transaction: one more than the last. The rows written
   * before stamps existed have stamp 1 (migration 18), so the first write takes 2.
   */
  next(): number {
    const stamp = this.current() + 1
    this.meta.set(STAMP_KEY, stamp)
    queueMicrotask(this.onStamp)
    return stamp
  }

  /** The last stamp taken (committed, read outside a write). */
  current(): number {
    return this.meta.getNumber(STAMP_KEY, 1)
  }

  /** This file's name as a source of history: made at its first use and kept in it. */
  source(): string {
    let id = this.meta.get(SOURCE_KEY)
    if (id === undefined) {
      id = randomUUID()
      this.meta.set(SOURCE_KEY, id)
    }
    return id
  }

  /**
   * Up to `limit` rows of `table` whose stamp is in (after, through], ordered by stamp then key,
   * following `cursor` (the stamp and keys of the last row read, from the one before).
   */
  changes(
    table: HistoryTable,
    after: number,
    through: number,
    limit: number,
    cursor?: ChangeCursor,
  ): unknown[][] {
    const order = ['stamp', ...table.keys]
    const columns = [...table.keys, ...table.values, 'stamp'].join(', ')
    const sql = `SELECT ${columns} FROM ${table.name} WHERE stamp > ? AND stamp <= ?${
      cursor ? ` AND (${order.join(', ')}) > (${order.map(() => '?').join(', ')})` : ''
    } ORDER BY ${order.join(', ')} LIMIT ?`
    let st = this.reads.get(sql)
    if (!st) {
      st = this.db.prepare(sql).raw(true)
      this.reads.set(sql, st)
    }
    return st.all(...[after, through, ...(cursor ?? []), limit]) as unknown[][]
  }
}

/** The cursor after `row` of `table` (as `changes` returns it): its stamp, then its keys. */
export function cursorAfter(table: HistoryTable, row: readonly unknown[]): ChangeCursor {
  return [row[row.length - 1], ...row.slice(0, table.keys.length)]
}
