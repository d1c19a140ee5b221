/**
 * A school's days for one utility, as the savings need them: the use of the school's top-level
 * meters per local day (from the hourly rollups, summed in SQLite), how much of the day real
 * readings covered, the outdoor temperature (daily mean and hour by hour), and the calendar —
 * kind of day, heating season, boarding night.
 */
import type { SchoolCalendar } from '../core/calendar.js'
import type { School } from '../core/registry.js'
import type { Store } from '../store/index.js'
import type { ModelDay } from './dailyModel.js'

const DAY = 86_400_000
/** A day trains the baseline model only when real readings covered this much of it. */
export const MIN_DAY_COVERAGE = 0.9

export interface SchoolDay extends ModelDay {
  /** Local midnight starting the day, and the next (days are 23 or 25 h across DST changes). */
  start: number
  end: number
  /** Metered use of the day, m³ or kWh, estimated parts included (0 without data). */
  total: number
  /** Share of the day's meter-hours covered by real readings. */
  coverage: number
  /** The day lies in an intervention's blackout. */
  blackout: boolean
  /** The temperature was borrowed from neighbouring days (`fillTemperatureGaps`). */
  temperatureFilled?: boolean
}

/** The local date `n` days after `date`. */
export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10)
}

/** Local dates from `from` to `to`, inclusive. */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = []
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d)
  return out
}

export interface DailyOptions {
  store: Store
  school: School
  cal: SchoolCalendar
  meters: string[]
  /** Rollups hold L for water: 1/1000 gives m³. */
  scale: number
  from: string
  to: string
  /** Wall clock: a day not over yet has no use to fit on. */
  now: number
  /** Inclusive local-date ranges of blackouts. */
  blackouts: readonly { from: string; to: string }[]
}

export async function dailySeries(o: DailyOptions): Promise<SchoolDay[]> {
  const dates = datesBetween(o.from, o.to)
  if (dates.length === 0) return []
  const starts = [...dates, addDays(o.to, 1)].map((d) => o.cal.startOfDay(d))
  const totals = new Map<number, { used: number; coveredMs: number }>()
  // One query per stretch of days that begin at the same UTC offset: a day's hours are then
  // `(hour + offset) / day` apart from midnight, DST days included (see RollupRepository.dailyTotals).
  let i = 0
  while (i < dates.length) {
    const offset = Date.parse(`${dates[i]}T00:00:00Z`) - starts[i]!
    let j = i + 1
    while (j < dates.length && Date.parse(`${dates[j]}T00:00:00Z`) - starts[j]! === offset) j++
    for (const r of await o.store.history.dailyTotals(o.meters, starts[i]!, starts[j]!, offset))
      totals.set(r.day, { used: r.used, coveredMs: r.coveredMs })
    i = j
  }
  const means = await o.store.history.outdoorMeans(o.school.id, o.from, o.to)
  const hourly = new Map<string, number[]>()
  for (const h of await o.store.history.outdoorHourlyMeans(o.school.id, starts[0]!, starts[dates.length]!)) {
    const date = o.cal.local(h.hour).date
    let list = hourly.get(date)
    if (!list) {
      list = []
      hourly.set(date, list)
    }
    list.push(h.mean)
  }
  const dorms = [...o.school.buildings.values()].filter(
    (b) => b.use === 'dormitory' && b.config.occupancy?.weeklyHours,
  )
  const inBlackout = (d: string) => o.blackouts.some((b) => d >= b.from && d <= b.to)
  return dates.map((date, k) => {
    const start = starts[k]!
    const end = starts[k + 1]!
    const t = totals.get(Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY))
    const total = (t?.used ?? 0) * o.scale
    const coverage = Math.min(1, (t?.coveredMs ?? 0) / ((end - start) * Math.max(1, o.meters.length)))
    const blackout = inBlackout(date)
    const meanC = means.get(date)
    const hourlyC = hourly.get(date)
    const day: SchoolDay = {
      date,
      start,
      end,
      total,
      coverage,
      blackout,
      dayType: o.cal.dayType(date),
      // A night in the dormitories: boarders in at 22:00.
      boarding: dorms.some((b) => o.cal.occupancy(b, start + 22 * 3_600_000).occupied),
      heatingSeason: o.cal.heatingSeason(date),
      ...(meanC !== undefined ? { meanC } : {}),
      ...(hourlyC ? { hourlyC } : {}),
    }
    if (!blackout && end <= o.now && coverage >= MIN_DAY_COVERAGE) day.use = total
    return day
  })
}

/**
 * Days without a temperature borrow one for prediction: the mean of the nearest known days
 * within `maxGap` days on either side. Returns how many were filled; days further from any
 * temperature stay without one.
 */
export function fillTemperatureGaps(days: SchoolDay[], maxGap = 3): number {
  let filled = 0
  const known = days.map((d) => d.meanC)
  for (let i = 0; i < days.length; i++) {
    if (known[i] !== undefined) continue
    let before: number | undefined
    let after: number | undefined
    for (let k = 1; k <= maxGap && (before === undefined || after === undefined); k++) {
      if (before === undefined && i - k >= 0 && known[i - k] !== undefined) before = known[i - k]
      if (after === undefined && i + k < days.length && known[i + k] !== undefined) after = known[i + k]
    }
    const v = before !== undefined && after !== undefined ? (before + after) / 2 : (before ?? after)
    if (v === undefined) continue
    days[i]!.meanC = v
    days[i]!.temperatureFilled = true
    filled++
  }
  return filled
}
