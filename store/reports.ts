/** Rollups and the other figures reports are computed from: reports never need InfluxDB. */
import type { Statement } from 'better-sqlite3'
import type { Db } from './db.js'

export interface HourRollup {
  meterId: string
  /** Epoch ms of the start of a local hour. */
  hour: number
  /** L (water) or kWh. */
  used: number
  usedUnoccupied: number
  /** Consumption spread over a gap, or sent as estimated by the gateway. */
  usedEstimated: number
  /** How much of the hour real readings covered, ms. */
  coveredMs: number
}

export interface Totals {
  used: number
  usedUnoccupied: number
  usedEstimated: number
  coveredMs: number
}

export class RollupRepository {
  private one: Statement | undefined
  private readonly staging
  private readonly merge
  private readonly clear
  constructor(private readonly db: Db) {
    this.staging = db.prepare(
      'INSERT INTO rollup_stage (meter_id, hour, used, used_unoccupied, used_estimated, covered_ms) VALUES (?, ?, ?, ?, ?, ?)',
    )
    // Increments accumulate: several flushes of the same hour add up.
    this.merge = db.prepare(
      `INSERT INTO rollup_hourly (meter_id, hour, used, used_unoccupied, used_estimated, covered_ms, stamp)
       SELECT meter_id, hour, used, used_unoccupied, used_estimated, covered_ms, ? FROM rollup_stage WHERE true
       ON CONFLICT(meter_id, hour) DO UPDATE SET used = used + excluded.used, used_unoccupied = used_unoccupied + excluded.used_unoccupied,
         used_estimated = used_estimated + excluded.used_estimated, covered_ms = min(3600000, covered_ms + excluded.covered_ms),
         stamp = excluded.stamp`,
    )
    this.clear = db.prepare('DELETE FROM rollup_stage')
  }

  /** Writes increments aside; they count once `mergeStaged` adds them (see Rollups.flush). */
  stage(rows: readonly HourRollup[]): void {
    this.db.transaction(() => {
      for (const r of rows)
        this.staging.run(
          r.meterId,
          r.hour,
          r.used,
          r.usedUnoccupied,
          r.usedEstimated,
          Math.round(r.coveredMs),
        )
    })()
  }

  /**
   * Adds every staged increment to the hourly rollups and empties the stage, one statement each;
   * the rows changed take `stamp` (store/history.ts).
   */
  mergeStaged(stamp: number): void {
    this.merge.run(stamp)
    this.clear.run()
  }

  /** Keeps meter-hours whose totals are still to be sent, for the next start. */
  keepUnannounced(rows: readonly { meterId: string; hour: number }[]): void {
    const put = this.db.prepare('INSERT INTO rollup_unannounced (meter_id, hour) VALUES (?, ?)')
    this.db.transaction(() => {
      for (const r of rows) put.run(r.meterId, r.hour)
    })()
  }

  /** How many meter-hours an earlier run kept (`keepUnannounced`). */
  countUnannounced(): number {
    return this.db.prepare('SELECT count(*) FROM rollup_unannounced').pluck().get() as number
  }

  /** The oldest `limit` kept meter-hours, and the position to `dropUnannounced` once they are sent. */
  nextUnannounced(limit: number): { rows: { meterId: string; hour: number }[]; through: number } {
    const rows = this.db
      .prepare('SELECT rowid, meter_id AS meterId, hour FROM rollup_unannounced ORDER BY rowid LIMIT ?')
      .all(limit) as { rowid: number; meterId: string; hour: number }[]
    return { rows, through: rows.at(-1)?.rowid ?? 0 }
  }

  dropUnannounced(through: number): void {
    this.db.prepare('DELETE FROM rollup_unannounced WHERE rowid <= ?').run(through)
  }

  /** Drops staged increments (of a flush a crash cut short: the journal replays their readings). */
  discardStaged(): number {
    return this.clear.run().changes
  }

  get(meterId: string, hour: number): HourRollup | undefined {
    // Asked once per changed meter-hour after every flush: prepared once (profiles showed prepare()).
    this.one ??= this.db.prepare(
      `SELECT meter_id AS meterId, hour, used, used_unoccupied AS usedUnoccupied, used_estimated AS usedEstimated, covered_ms AS coveredMs
       FROM rollup_hourly WHERE meter_id = ? AND hour = ?`,
    )
    return this.one.get(meterId, hour) as HourRollup | undefined
  }

  /** Totals over meters and [from, to). */
  totals(meterIds: string[], from: number, to: number): Totals {
    if (meterIds.length === 0) return { used: 0, usedUnoccupied: 0, usedEstimated: 0, coveredMs: 0 }
    return this.db
      .prepare(
        `SELECT coalesce(sum(used), 0) AS used, coalesce(sum(used_unoccupied), 0) AS usedUnoccupied,
           coalesce(sum(used_estimated), 0) AS usedEstimated, coalesce(sum(covered_ms), 0) AS coveredMs
         FROM rollup_hourly WHERE meter_id IN (${meterIds.map(() => '?').join(',')}) AND hour >= ? AND hour < ?`,
      )
      .get(...meterIds, from, to) as Totals
  }

  /** Each meter's consumption and coverage over [from, to) (the district reports: sub-items). */
  totalsByMeter(
    meterIds: string[],
    from: number,
    to: number,
  ): Map<string, { used: number; coveredMs: number }> {
    if (meterIds.length === 0) return new Map()
    const rows = this.db
      .prepare(
        `SELECT meter_id AS meterId, sum(used) AS used, sum(covered_ms) AS coveredMs FROM rollup_hourly
         WHERE meter_id IN (${meterIds.map(() => '?').join(',')}) AND hour >= ? AND hour < ? GROUP BY meter_id`,
      )
      .all(...meterIds, from, to) as { meterId: string; used: number; coveredMs: number }[]
    return new Map(rows.map((r) => [r.meterId, { used: r.used, coveredMs: r.coveredMs }]))
  }

  /**
   * Totals per local day over meters and [from, to), for a stretch in which the school's UTC
   * offset is `offsetMs` throughout (the caller splits at offset changes): `day` counts local
   * days since 1970-01-01.
   */
  dailyTotals(
    meterIds: string[],
    from: number,
    to: number,
    offsetMs: number,
  ): { day: number; used: number; usedUnoccupied: number; usedEstimated: number; coveredMs: number }[] {
    if (meterIds.length === 0) return []
    return this.db
      .prepare(
        `SELECT CAST(hour + ? AS INTEGER) / 86400000 AS day, sum(used) AS used, sum(used_unoccupied) AS usedUnoccupied,
           sum(used_estimated) AS usedEstimated, sum(covered_ms) AS coveredMs
         FROM rollup_hourly WHERE meter_id IN (${meterIds.map(() => '?').join(',')}) AND hour >= ? AND hour < ?
         GROUP BY day ORDER BY day`,
      )
      .all(offsetMs, ...meterIds, from, to) as {
      day: number
      used: number
      usedUnoccupied: number
      usedEstimated: number
      coveredMs: number
    }[]
  }

  /** Each meter's hours in [from, to), oldest first: the series behind charts and sparklines. */
  hours(meterIds: string[], from: number, to: number): HourRollup[] {
    if (meterIds.length === 0) return []
    return this.db
      .prepare(
        `SELECT meter_id AS meterId, hour, used, used_unoccupied AS usedUnoccupied, used_estimated AS usedEstimated, covered_ms AS coveredMs
         FROM rollup_hourly WHERE meter_id IN (${meterIds.map(() => '?').join(',')}) AND hour >= ? AND hour < ?
         ORDER BY meter_id, hour`,
      )
      .all(...meterIds, from, to) as HourRollup[]
  }

  /** The earliest hour with any rollup for these meters. */
  firstHour(meterIds: string[]): number | undefined {
    if (meterIds.length === 0) return undefined
    const r = this.db
      .prepare(
        `SELECT min(hour) AS h FROM rollup_hourly WHERE meter_id IN (${meterIds.map(() => '?').join(',')})`,
      )
      .get(...meterIds) as { h: number | null }
    return r.h ?? undefined
  }
}

export class OutdoorRepository {
  private readonly add
  private readonly addHour
  constructor(private readonly db: Db) {
    this.add = db.prepare(
      `INSERT INTO outdoor_daily (school_id, date, sum_c, n, stamp) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(school_id, date) DO UPDATE SET sum_c = sum_c + excluded.sum_c, n = n + excluded.n,
         stamp = excluded.stamp`,
    )
    this.addHour = db.prepare(
      `INSERT INTO outdoor_hourly (school_id, hour, sum_c, n, stamp) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(school_id, hour) DO UPDATE SET sum_c = sum_c + excluded.sum_c, n = n + excluded.n,
         stamp = excluded.stamp`,
    )
  }

  /** Daily sums; the rows changed take `stamp` (store/history.ts). */
  addMany(rows: Iterable<[school: string, date: string, sumC: number, n: number]>, stamp: number): void {
    this.db.transaction(() => {
      for (const [s, d, sum, n] of rows) this.add.run(s, d, sum, n, stamp)
    })()
  }

  /** Hourly sums: `hour` is the epoch ms of the start of a local hour. */
  addHourly(rows: Iterable<[school: string, hour: number, sumC: number, n: number]>, stamp: number): void {
    this.db.transaction(() => {
      for (const [s, h, sum, n] of rows) this.addHour.run(s, h, sum, n, stamp)
    })()
  }

  /** Mean outdoor temperature per local hour in [from, to). */
  hourlyMeans(school: string, from: number, to: number): { hour: number; mean: number }[] {
    return this.db
      .prepare(
        'SELECT hour, sum_c / n AS mean FROM outdoor_hourly WHERE school_id = ? AND hour >= ? AND hour < ? AND n > 0 ORDER BY hour',
      )
      .all(school, from, to) as { hour: number; mean: number }[]
  }

  /** Mean outdoor temperature per local date in [fromDate, toDate]. */
  means(school: string, fromDate: string, toDate: string): Map<string, number> {
    const rows = this.db
      .prepare(
        'SELECT date, sum_c / n AS mean FROM outdoor_daily WHERE school_id = ? AND date >= ? AND date <= ? AND n > 0',
      )
      .all(school, fromDate, toDate) as { date: string; mean: number }[]
    return new Map(rows.map((r) => [r.date, r.mean]))
  }
}

export class SupplyRepository {
  private readonly max
  constructor(private readonly db: Db) {
    this.max = db.prepare(
      `INSERT INTO supply_daily (meter_id, date, max_supply_c, stamp) VALUES (?, ?, ?, ?)
       ON CONFLICT(meter_id, date) DO UPDATE SET max_supply_c = max(max_supply_c, excluded.max_supply_c),
         stamp = excluded.stamp`,
    )
  }

  /** Each circuit's highest supply per local date; the rows changed take `stamp` (store/history.ts). */
  addMany(rows: Iterable<[meter: string, date: string, maxC: number]>, stamp: number): void {
    this.db.transaction(() => {
      for (const [m, d, c] of rows) this.max.run(m, d, c, stamp)
    })()
  }

  /** Highest supply temperature on or after a local date. */
  maxSince(meterId: string, fromDate: string): number | undefined {
    const r = this.db
      .prepare('SELECT max(max_supply_c) AS c FROM supply_daily WHERE meter_id = ? AND date >= ?')
      .get(meterId, fromDate) as {
      c: number | null
    }
    return r.c ?? undefined
  }
}

export class ReadinessRepository {
  constructor(private readonly db: Db) {}

  save(school: string, termStart: string, report: unknown, now = Date.now()): boolean {
    const r = this.db
      .prepare(
        'INSERT OR IGNORE INTO readiness (school_id, term_start, checked_at, report) VALUES (?, ?, ?, ?)',
      )
      .run(school, termStart, now, JSON.stringify(report))
    return r.changes > 0
  }

  get(school: string, termStart: string): unknown {
    const r = this.db
      .prepare('SELECT report FROM readiness WHERE school_id = ? AND term_start = ?')
      .get(school, termStart) as { report: string } | undefined
    return r && JSON.parse(r.report)
  }
}

/** A baseline model as kept: the period it was fitted on, what its data were, and the model. */
export interface KeptBaseline {
  from: string
  to: string
  fingerprint: string
  fittedAt: number
  model: unknown
}

/** Each school's and utility's baseline model, fitted once on its fixed period and kept. */
export class BaselineModelRepository {
  constructor(private readonly db: Db) {}

  get(school: string, utility: string): KeptBaseline | undefined {
    const r = this.db
      .prepare(
        `SELECT baseline_from AS "from", baseline_to AS "to", fingerprint, fitted_at AS fittedAt, model
         FROM baseline_models WHERE school_id = ? AND utility = ?`,
      )
      .get(school, utility) as (Omit<KeptBaseline, 'model'> & { model: string }) | undefined
    return r && { ...r, model: JSON.parse(r.model) }
  }

  put(school: string, utility: string, kept: KeptBaseline): void {
    this.db
      .prepare(
        `INSERT INTO baseline_models (school_id, utility, baseline_from, baseline_to, fingerprint, fitted_at, model)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(school_id, utility) DO UPDATE SET baseline_from = excluded.baseline_from,
           baseline_to = excluded.baseline_to, fingerprint = excluded.fingerprint,
           fitted_at = excluded.fitted_at, model = excluded.model`,
      )
      .run(school, utility, kept.from, kept.to, kept.fingerprint, kept.fittedAt, JSON.stringify(kept.model))
  }
}

/** Classroom temperatures per local hour (heating compliance). */
export class RoomTemperatureRepository {
  private readonly add
  constructor(private readonly db: Db) {
    this.add = db.prepare(
      `INSERT INTO room_temp_hourly (meter_id, hour, sum_c, n, min_c, stamp) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(meter_id, hour) DO UPDATE SET sum_c = sum_c + excluded.sum_c, n = n + excluded.n,
         min_c = min(min_c, excluded.min_c), stamp = excluded.stamp`,
    )
  }

  /**
   * Adds readings' sums, counts and minimum per meter and hour (epoch ms of a local hour's start);
   * the rows changed take `stamp` (store/history.ts).
   */
  addMany(
    rows: Iterable<[meter: string, hour: number, sumC: number, n: number, minC: number]>,
    stamp: number,
  ): void {
    this.db.transaction(() => {
      for (const [m, h, sum, n, min] of rows) this.add.run(m, h, sum, n, min, stamp)
    })()
  }

  /** Mean and lowest temperature per meter and hour in [from, to). */
  hours(
    meterIds: string[],
    from: number,
    to: number,
  ): { meterId: string; hour: number; meanC: number; minC: number }[] {
    if (meterIds.length === 0) return []
    return this.db
      .prepare(
        `SELECT meter_id AS meterId, hour, sum_c / n AS meanC, min_c AS minC FROM room_temp_hourly
         WHERE meter_id IN (${meterIds.map(() => '?').join(',')}) AND hour >= ? AND hour < ? AND n > 0 ORDER BY meter_id, hour`,
      )
      .all(...meterIds, from, to) as { meterId: string; hour: number; meanC: number; minC: number }[]
  }
}
