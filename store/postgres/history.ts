/**
 * Report history in PostgreSQL (migration 4): every worker's SQLite history mirrored by
 * store/mirror.ts, one row per source (a worker's DATA_DIR) and key, as the source last wrote
 * it. Reads add the sources up as SQLite adds increments — sums, the covered time capped at the
 * hour, the lowest and highest readings — so that a district's reports cover every shard's
 * schools, with the figures one SQLite file holding them all would give.
 */
import type { DayTotals, HistoryChanges, HistoryStore, HistoryTable, RoomHour } from '../history.js'
import type { HourRollup, Totals } from '../reports.js'
import type { Sql } from './sql.js'

/**
 * Floating-point sums are taken in a fixed order (`sum(x ORDER BY …)`): otherwise PostgreSQL adds
 * rows in whatever order it reads them, which a mirror pass's updates change, and the same report
 * asked twice could differ in its last bits. Sums of BIGINT are cast back: PostgreSQL makes them
 * NUMERIC, which pg hands over as text.
 */
const IN_ORDER = 'ORDER BY meter_id COLLATE "C", hour'
const HOURS = `SELECT meter_id, hour, sum(used ORDER BY source) AS used,
    sum(used_unoccupied ORDER BY source) AS used_unoccupied,
    sum(used_estimated ORDER BY source) AS used_estimated,
    least(3600000, sum(covered_ms))::bigint AS covered_ms
  FROM history_rollup_hourly WHERE meter_id = ANY(?::text[]) AND hour >= ? AND hour < ?
  GROUP BY meter_id, hour`

/** The history as every worker's mirror left it in PostgreSQL. */
export class PostgresHistory implements HistoryStore {
  constructor(private readonly sql: Sql) {}

  async hours(meterIds: string[], from: number, to: number): Promise<HourRollup[]> {
    if (meterIds.length === 0) return []
    return this.sql.rows<HourRollup>(
      `SELECT meter_id AS "meterId", hour, used, used_unoccupied AS "usedUnoccupied",
         used_estimated AS "usedEstimated", covered_ms AS "coveredMs"
       FROM (${HOURS}) h ORDER BY meter_id COLLATE "C", hour`,
      [meterIds, from, to],
    )
  }

  async totals(meterIds: string[], from: number, to: number): Promise<Totals> {
    if (meterIds.length === 0) return { used: 0, usedUnoccupied: 0, usedEstimated: 0, coveredMs: 0 }
    const r = await this.sql.one<Totals>(
      `SELECT coalesce(sum(used ${IN_ORDER}), 0) AS used,
         coalesce(sum(used_unoccupied ${IN_ORDER}), 0) AS "usedUnoccupied",
         coalesce(sum(used_estimated ${IN_ORDER}), 0) AS "usedEstimated",
         coalesce(sum(covered_ms), 0)::bigint AS "coveredMs"
       FROM (${HOURS}) h`,
      [meterIds, from, to],
    )
    return r!
  }

  async totalsByMeter(
    meterIds: string[],
    from: number,
    to: number,
  ): Promise<Map<string, { used: number; coveredMs: number }>> {
    if (meterIds.length === 0) return new Map()
    const rows = await this.sql.rows<{ meterId: string; used: number; coveredMs: number }>(
      `SELECT meter_id AS "meterId", sum(used ORDER BY hour) AS used, sum(covered_ms)::bigint AS "coveredMs"
       FROM (${HOURS}) h GROUP BY meter_id`,
      [meterIds, from, to],
    )
    return new Map(rows.map((r) => [r.meterId, { used: r.used, coveredMs: r.coveredMs }]))
  }

  async dailyTotals(meterIds: string[], from: number, to: number, offsetMs: number): Promise<DayTotals[]> {
    if (meterIds.length === 0) return []
    return this.sql.rows<DayTotals>(
      `SELECT (hour + ?::bigint) / 86400000 AS day, sum(used ${IN_ORDER}) AS used,
         sum(used_unoccupied ${IN_ORDER}) AS "usedUnoccupied", sum(used_estimated ${IN_ORDER}) AS "usedEstimated",
         sum(covered_ms)::bigint AS "coveredMs"
       FROM (${HOURS}) h GROUP BY day ORDER BY day`,
      [offsetMs, meterIds, from, to],
    )
  }

  async firstHour(meterIds: string[]): Promise<number | undefined> {
    if (meterIds.length === 0) return undefined
    const r = await this.sql.one<{ h: number | null }>(
      'SELECT min(hour) AS h FROM history_rollup_hourly WHERE meter_id = ANY(?::text[])',
      [meterIds],
    )
    return r?.h ?? undefined
  }

  async outdoorMeans(school: string, fromDate: string, toDate: string): Promise<Map<string, number>> {
    const rows = await this.sql.rows<{ date: string; mean: number }>(
      `SELECT date, sum(sum_c ORDER BY source) / sum(n)::double precision AS mean FROM history_outdoor_daily
       WHERE school_id = ? AND date COLLATE "C" >= ? AND date COLLATE "C" <= ? GROUP BY date HAVING sum(n) > 0`,
      [school, fromDate, toDate],
    )
    return new Map(rows.map((r) => [r.date, r.mean]))
  }

  async outdoorHourlyMeans(
    school: string,
    from: number,
    to: number,
  ): Promise<{ hour: number; mean: number }[]> {
    return this.sql.rows(
      `SELECT hour, sum(sum_c ORDER BY source) / sum(n)::double precision AS mean FROM history_outdoor_hourly
       WHERE school_id = ? AND hour >= ? AND hour < ? GROUP BY hour HAVING sum(n) > 0 ORDER BY hour`,
      [school, from, to],
    )
  }

  async supplyMaxSince(meterId: string, fromDate: string): Promise<number | undefined> {
    const r = await this.sql.one<{ c: number | null }>(
      'SELECT max(max_supply_c) AS c FROM history_supply_daily WHERE meter_id = ? AND date COLLATE "C" >= ?',
      [meterId, fromDate],
    )
    return r?.c ?? undefined
  }

  async roomHours(meterIds: string[], from: number, to: number): Promise<RoomHour[]> {
    if (meterIds.length === 0) return []
    return this.sql.rows<RoomHour>(
      `SELECT meter_id AS "meterId", hour, sum(sum_c ORDER BY source) / sum(n)::double precision AS "meanC",
         min(min_c) AS "minC"
       FROM history_room_temp_hourly WHERE meter_id = ANY(?::text[]) AND hour >= ? AND hour < ?
       GROUP BY meter_id, hour HAVING sum(n) > 0 ORDER BY meter_id COLLATE "C", hour`,
      [meterIds, from, to],
    )
  }
}

/** Each history column's type in PostgreSQL, for the arrays a batch is sent as. */
const TYPE: Record<string, string> = {
  meter_id: 'text',
  school_id: 'text',
  date: 'text',
  hour: 'bigint',
  covered_ms: 'bigint',
  n: 'bigint',
  stamp: 'bigint',
  used: 'float8',
  used_unoccupied: 'float8',
  used_estimated: 'float8',
  sum_c: 'float8',
  min_c: 'float8',
  max_supply_c: 'float8',
}

/** Where the mirror (store/mirror.ts) writes: rows as their source holds them, and how far it got. */
export class PostgresHistoryMirror {
  private readonly upserts = new Map<string, string>()

  constructor(private readonly sql: Sql) {}

  /** The stamp through which `source` has been mirrored; 0 for a source never seen. */
  async watermark(source: string): Promise<number> {
    const r = await this.sql.one<{ watermark: number }>(
      'SELECT watermark FROM history_sources WHERE source = ?',
      [source],
    )
    return r?.watermark ?? 0
  }

  /**
   * Writes a batch of `source`'s rows as they are now (absolute values, not increments): writing
   * the same rows again changes nothing, and a row is never put back to an older stamp's values.
   */
  async write(source: string, changes: HistoryChanges): Promise<void> {
    const { table, rows } = changes
    if (rows.length === 0) return
    const columns = [...table.keys, ...table.values, 'stamp']
    const arrays = columns.map((_, c) => rows.map((r) => r[c]))
    await this.sql.run(this.upsert(table), [source, ...arrays])
  }

  /** Records that `source` is mirrored through `stamp` (never moving it back). */
  async advance(source: string, stamp: number): Promise<void> {
    await this.sql.run(
      `INSERT INTO history_sources (source, watermark) VALUES (?, ?)
       ON CONFLICT (source) DO UPDATE SET watermark = greatest(history_sources.watermark, excluded.watermark),
         updated_at = now()`,
      [source, stamp],
    )
  }

  /**
   * Forgets everything of `source`, for it to be mirrored again from the start: its SQLite file
   * went back in time (restored from an older copy). Its rows go first, its watermark last, so a
   * failure midway is found again by the next pass.
   */
  async forget(source: string, tables: readonly HistoryTable[]): Promise<void> {
    for (const t of tables) await this.sql.run(`DELETE FROM history_${t.name} WHERE source = ?`, [source])
    await this.sql.run('DELETE FROM history_sources WHERE source = ?', [source])
  }

  private upsert(table: HistoryTable): string {
    let text = this.upserts.get(table.name)
    if (text === undefined) {
      const columns = [...table.keys, ...table.values, 'stamp']
      const target = `history_${table.name}`
      text = `INSERT INTO ${target} (${columns.join(', ')}, source)
        SELECT ${columns.join(', ')}, ? FROM unnest(${columns.map((c) => `?::${TYPE[c]}[]`).join(', ')})
          AS u(${columns.join(', ')})
        ON CONFLICT (${[...table.keys, 'source'].join(', ')}) DO UPDATE SET
          ${[...table.values, 'stamp'].map((c) => `${c} = excluded.${c}`).join(', ')}
        WHERE ${target}.stamp <= excluded.stamp`
      this.upserts.set(table.name, text)
    }
    return text
  }
}
