/**
 * InfluxQL building blocks shared by several dashboards. Only the raw measurements of CONTRACT.md
 * exist in InfluxDB (water, electricity, heat, temperature, with `used_l` / `used_kwh` per
 * reading), so every figure here is computed from them at query time.
 *
 * Two rules keep the queries portable across InfluxDB 1.x, 2.x and 3.x:
 * - Every GROUP BY time() has `tz('$tz')`, so that days start at local midnight; months are
 *   time ranges (`now/M`) in the dashboard's zone, which is the district's too.
 * - A subquery's outer aggregate over the whole range has no time condition of its own: the
 *   inner `$timeFilter` bounds it. InfluxDB 1.x returns nothing for an outer aggregate with a time
 *   condition when the inner GROUP BY time() puts its first bucket before the range start, which
 *   is the usual case (ranges start at any second). Outer queries that GROUP BY time() keep the
 *   condition: they need it, and they are not affected.
 */
import { KINDS, type MeterKind } from '../core/index.js'
import { tagIn } from './variables.js'

export const TZ = "tz('$tz')"
/** Grafana's range as epoch milliseconds (global variables), for windows that reach before it. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template
const FROM = '${__from}'
// biome-ignore lint/suspicious/noTemplateCurlyInString: as above
const TO = '${__to}'

/**
 * How many hour buckets the range touches (the partial first and last hours included, as
 * GROUP BY time(1h) makes them): whole hours from `${__from}` and `${__to}`, which Grafana fills
 * for every data source (`$__range_s` is documented for Prometheus and Loki only).
 */
const HOURS_IN_RANGE = `(((${TO} - ${TO} % 3600000) - (${FROM} - ${FROM} % 3600000)) / 3600000 + 1)`

export type Consuming = Exclude<MeterKind, 'temperature'>

/** `conditions AND $timeFilter`, or just the time filter. */
export function timeAnd(...conditions: string[]): string {
  return [...conditions.filter(Boolean), '$timeFilter'].join(' AND ')
}

/** The consumption field of a kind (`used_l`, `used_kwh`) and how to show it. */
export function consumption(kind: Consuming) {
  const used = KINDS[kind].used!
  // Water is stored in litres and read in m³ at school scale; energy stays in kWh.
  return used.unit === 'L'
    ? { field: used.field, scale: ' / 1000', unit: 'm3' }
    : { field: used.field, scale: '', unit: 'kwatth' }
}

/**
 * The field to count readings by: the register (temp_c for sensors). A reading carrying only
 * instantaneous fields is not counted; meters send their register with every reading.
 */
export function readingField(kind: MeterKind): string {
  return KINDS[kind].register ?? KINDS[kind].fields[0]!
}

/** The top-level meters of the chosen schools: whole-school totals without double counting sub-meters. */
export function schoolTotal(where = tagIn('school', 'school')): string {
  return `${tagIn('meter', 'top_level')} AND ${where}`
}

/** Consumption of a kind over the whole range, per value of a tag (a table row each). */
export function totalBy(kind: Consuming, tag: string, where: string, as: string): string {
  const c = consumption(kind)
  return `SELECT sum("${c.field}")${c.scale} AS "${as}" FROM "${kind}"
    WHERE ${timeAnd(where)} GROUP BY "${tag}"`
}

/** Consumption per local day (or another interval), per value of a tag; no bar where no reading came. */
export function totalPer(kind: Consuming, interval: string, tag: string, where: string): string {
  const c = consumption(kind)
  return `SELECT sum("${c.field}")${c.scale} FROM "${kind}" WHERE ${timeAnd(where)}
    GROUP BY time(${interval}), "${tag}" fill(none) ${TZ}`
}

/**
 * Electricity of day and night halves, paired per local day: 12-hour buckets offset by 6 h
 * start at 06:00 and 18:00, so within each 24-hour bucket starting 06:00 the first is the day
 * (06:00–18:00, school hours and a little more) and the last is the night after it. Pairs with
 * only one half (the day still under way, the edges of the range) are left out by `halves = 2`
 * where this is used, rather than counted as both.
 */
export function dayNightPairs(where: string): string {
  return `SELECT first("used") AS "day", last("used") AS "night", count("used") AS "halves" FROM (
      SELECT sum("used_kwh") AS "used" FROM "electricity" WHERE ${timeAnd(where)}
      GROUP BY time(12h, 6h), "school" fill(none) ${TZ}
    ) WHERE $timeFilter GROUP BY time(1d, 6h), "school" ${TZ}`
}

/** Share of electricity used 18:00–06:00 over the range, per school (%). */
export function nightShare(where: string): string {
  return `SELECT sum("night") / (sum("day") + sum("night")) * 100 AS "after_hours_pct"
    FROM (${dayNightPairs(where)}) WHERE "halves" = 2 GROUP BY "school"`
}

/**
 * Share of hours in the range in which each meter sent at least one reading, averaged per tag
 * value (%): the monthly report's coverage, from what InfluxDB holds. Meters that sent nothing at
 * all in the range are not in InfluxDB's answer and so not in the average.
 */
export function coverage(kind: MeterKind, tag: string, where: string, as: string): string {
  const perMeter = tag === 'meter' ? '"meter"' : `"meter", "${tag}"`
  return `SELECT mean("pct") AS "${as}" FROM (
      SELECT count("n") * 100 / ${HOURS_IN_RANGE} AS "pct" FROM (
        SELECT count("${readingField(kind)}") AS "n" FROM "${kind}" WHERE ${timeAnd(where)}
        GROUP BY time(1h), ${perMeter} fill(none) ${TZ}
      ) GROUP BY ${perMeter}
    ) GROUP BY "${tag}"`
}

/** How many meters of a kind sent a reading in the range. */
export function metersHeard(kind: MeterKind, where: string): string {
  return `SELECT count("n") FROM (
      SELECT count("${readingField(kind)}") AS "n" FROM "${kind}" WHERE ${timeAnd(where)} GROUP BY "meter"
    )`
}

/**
 * Mean flow between 02:00 and 04:00 local, per night (L/h): UKWIR's minimum-night-flow window,
 * which `water.night_flow` watches. 2-hour buckets grouped into days that start at 02:00: the
 * first bucket of each day is the night window. The inner query starts a day early so that the
 * first day on screen starts with its own 02:00 bucket, not with whatever hour the range began.
 */
export function nightFlow(where: string): string {
  const since = `time >= ${FROM}ms - 1d AND time <= ${TO}ms`
  return `SELECT first("lph") FROM (
      SELECT mean("flow_lpm") * 60 AS "lph" FROM "water" WHERE ${[where, since].filter(Boolean).join(' AND ')}
      GROUP BY time(2h), "meter" fill(none) ${TZ}
    ) WHERE ${since} GROUP BY time(1d, 2h), "meter" ${TZ}`
}

/**
 * Hours per local day in which a water meter counted at least 1 L. 24 means the water never
 * stopped for a whole hour that day: what `water.continuous_flow` calls a leak.
 */
export function hoursWithUse(where: string): string {
  return `SELECT count("litres") FROM (
      SELECT sum("used_l") AS "litres" FROM "water" WHERE ${timeAnd(where)}
      GROUP BY time(1h), "meter" fill(none) ${TZ}
    ) WHERE "litres" >= 1 AND $timeFilter GROUP BY time(1d), "meter" fill(0) ${TZ}`
}

/**
 * The smallest hourly flow of each meter over the range (L/h), and as litres per day. Mean flow
 * rather than the hour's volume, so that the hour the range starts in counts fully. A meter
 * whose water never stopped for an hour shows its leak rate here.
 */
export function smallestHourlyFlow(where: string): string {
  return `SELECT min("lph") AS "smallest_lph", min("lph") * 24 AS "litres_per_day" FROM (
      SELECT mean("flow_lpm") * 60 AS "lph" FROM "water" WHERE ${timeAnd(where)}
      GROUP BY time(1h), "meter", "school" fill(none) ${TZ}
    ) GROUP BY "meter", "school"`
}

/**
 * Base load per local day (kW): the mean of the day's 8 lowest half-hours, the method
 * `electricity.after_hours` uses (Energy Sparks). A half-hour's kWh times 2 is its mean kW.
 */
export function baseLoad(where: string): string {
  return `SELECT mean("kw") FROM (
      SELECT bottom("kw", 8) AS "kw" FROM (
        SELECT sum("used_kwh") * 2 AS "kw" FROM "electricity" WHERE ${timeAnd(where)}
        GROUP BY time(30m), "school" fill(none) ${TZ}
      ) WHERE $timeFilter GROUP BY time(1d), "school" ${TZ}
    ) WHERE $timeFilter GROUP BY time(1d), "school" ${TZ}`
}

/**
 * Heating degree days per local day, base 18 °C (GB/T 50155): 18 − the day's mean outdoor
 * temperature, left out where the day was warmer than the base (HDD are never negative).
 */
export function degreeDays(where: string): string {
  return `SELECT "hdd" FROM (
      SELECT 18 - mean("temp_c") AS "hdd" FROM "temperature"
      WHERE ${timeAnd(tagIn('meter', 'outdoor'), where)} GROUP BY time(1d), "school" fill(none) ${TZ}
    ) WHERE "hdd" > 0 AND $timeFilter GROUP BY "school"`
}

/** Hours in the range in which a room's mean temperature was below or above a limit, per room. */
export function roomHours(where: string, condition: string, as: string): string {
  return `SELECT count("t") AS "${as}" FROM (
      SELECT mean("temp_c") AS "t" FROM "temperature" WHERE ${timeAnd('"meter" !~ /^$outdoor$/', where)}
      GROUP BY time(1h), "meter", "school" fill(none) ${TZ}
    ) WHERE "t" ${condition} GROUP BY "meter", "school"`
}
