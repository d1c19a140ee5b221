/**
 * Consumption quotas (能耗定额) paced by the school calendar: per school and utility, the use of
 * the term (or the calendar year) to date and a projection to its end — from the school's own
 * recent use per kind of day (school days; weekends, holidays and vacation days), the days of each
 * kind the calendar still holds, and, for heat, the normal weather of the days to come — with the
 * day the quota will be crossed and by how much. The national platform warns once a quota is
 * exceeded; this warns while there is still time to act.
 */
import { Calendars, type SchoolCalendar } from '../core/calendar.js'
import { t } from '../core/i18n/index.js'
import type { MeterKind } from '../core/kinds.js'
import type { Registry, School } from '../core/registry.js'
import type { Store } from '../store/index.js'
import { addDays, dailySeries, datesBetween, type SchoolDay } from './daily.js'
import type { Utility } from './monthly.js'
import type { Column } from './sheet.js'

/** Recent days the projection learns the school's use from. */
export const WINDOW_DAYS = 28
/** How far back heat looks for heating-season days to learn from (last winter, from autumn). */
const HEAT_LOOK_BACK_DAYS = 300
/**
 * How much lower the rest of the period may come out than projected: the winter to come may be
 * milder than normal (heat), a school's use drifts (water, electricity). A warning needs the
 * quota exceeded even then.
 */
export const REMAINDER_UNCERTAINTY: Record<Utility, number> = { water: 0.03, electricity: 0.03, heat: 0.1 }
/** Heating-season days of this winter heat needs before its projection warns anyone. */
export const MIN_SEASON_DAYS = 14
/** Heating degree days' base, °C. */
const BASE_C = 18
/** Normal weather: the same days of earlier years, this many days either side. */
const NORMAL_SPAN_DAYS = 3

export type QuotaPeriodKind = 'term' | 'year'

export interface QuotaPeriod {
  kind: QuotaPeriodKind
  /** The term's name (or its start date), or the year. */
  name: string
  from: string
  to: string
  limit: number
}

export interface Projection {
  school: string
  utility: Utility
  unit: 'm3' | 'kWh'
  period: QuotaPeriod
  /** The last day counted (the projection is made after it). */
  asOf: string
  usedToDate: number
  projected: number
  /** The projection with the rest of the period REMAINDER_UNCERTAINTY lower. */
  projectedLow: number
  /** projected − limit: positive when on track to exceed. */
  overBy: number
  /** projected ÷ limit − 1. */
  overPct: number
  onTrackToExceed: boolean
  /** On track to exceed even if the rest of the period comes out lower than projected: warn. */
  likely: boolean
  /** Already used more than the quota. */
  exceeded: boolean
  /**
   * Not enough of this heating season yet to judge the school's heating by (heat, its first two
   * weeks and before): shown, but nobody is warned on it.
   */
  indicative: boolean
  /** The first day the use (known, then projected) passes the quota. */
  crossesOn?: string
  /** Days left in the period, by kind. */
  schoolDaysLeft: number
  otherDaysLeft: number
  /** The model: use per school day and per other day at 0 heating degree days, and per degree day. */
  perSchoolDay: number
  perOtherDay: number
  perDegreeDay: number
}

/** What the projection knows of a day. */
export interface QuotaDay {
  date: string
  /** Use of the day; undefined when not known (a future day, or no readings). */
  use?: number
  school: boolean
  /** Heating degree days (base 18 °C), in the heating season only; normal weather for days to come. */
  hdd: number
  /** In the heating season: heat projects such days with the heating model. */
  heating?: boolean
}

interface Model {
  perSchoolDay: number
  perOtherDay: number
  perDegreeDay: number
}

/**
 * Use per day = a (school day) or b (any other day) + c × degree days, least squares over the
 * window's known days; c only for heat, and never below 0. A kind of day the window lacks takes
 * the other kind's level (a window without a weekend is rare; one without a school day is a
 * vacation, whose rate is what counts).
 */
export function fitUse(window: readonly QuotaDay[], weather: boolean): Model {
  const known = window.filter((d) => d.use !== undefined)
  const groups = [known.filter((d) => d.school), known.filter((d) => !d.school)]
  const mean = (xs: readonly number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0)
  let c = 0
  if (weather) {
    let sxy = 0
    let sxx = 0
    for (const g of groups) {
      const mx = mean(g.map((d) => d.hdd))
      const my = mean(g.map((d) => d.use!))
      for (const d of g) {
        sxy += (d.hdd - mx) * (d.use! - my)
        sxx += (d.hdd - mx) ** 2
      }
    }
    c = sxx > 0 ? Math.max(0, sxy / sxx) : 0
  }
  const level = (g: readonly QuotaDay[]) => mean(g.map((d) => d.use! - c * d.hdd))
  const [school, other] = groups as [QuotaDay[], QuotaDay[]]
  const a = school.length > 0 ? level(school) : level(other)
  const b = other.length > 0 ? level(other) : a
  // Levels stay as fitted (a negative one is a balance point below 18 °C); a day's use is never below 0.
  return { perSchoolDay: a, perOtherDay: b, perDegreeDay: c }
}

/** The projection of a period: `days` run from its first day to its last, known up to `asOf`. */
export function project(o: {
  school: string
  utility: Utility
  period: QuotaPeriod
  asOf: string
  days: readonly QuotaDay[]
  /** The recent days to learn from (known days up to `asOf`, from before the period too). */
  window: readonly QuotaDay[]
  /** Heat: recent days outside the heating season, for the days to come outside it. */
  outOfSeason?: readonly QuotaDay[]
  indicative?: boolean
  /** Heat: this winter's days so far, whose use over the model's scales the days to come. */
  calibrate?: readonly QuotaDay[]
}): Projection {
  const fitted = fitUse(o.window, o.utility === 'heat')
  const predict = (m: Model, d: QuotaDay) =>
    Math.max(0, (d.school ? m.perSchoolDay : m.perOtherDay) + m.perDegreeDay * d.hdd)
  const known = o.calibrate?.filter((d) => d.use !== undefined) ?? []
  const expected = known.reduce((a, d) => a + predict(fitted, d), 0)
  const scale = known.length > 0 && expected > 0 ? known.reduce((a, d) => a + d.use!, 0) / expected : 1
  const model: Model = {
    perSchoolDay: fitted.perSchoolDay * scale,
    perOtherDay: fitted.perOtherDay * scale,
    perDegreeDay: fitted.perDegreeDay * scale,
  }
  const offSeason = o.outOfSeason && fitUse(o.outOfSeason, false)
  let cumulative = 0
  let usedToDate = 0
  let crossesOn: string | undefined
  let schoolDaysLeft = 0
  let otherDaysLeft = 0
  for (const d of o.days) {
    const past = d.date <= o.asOf
    const m = offSeason && !d.heating ? offSeason : model
    const use = past ? (d.use ?? 0) : predict(m, d)
    if (past) usedToDate += use
    else if (d.school) schoolDaysLeft++
    else otherDaysLeft++
    cumulative += use
    if (crossesOn === undefined && cumulative > o.period.limit) crossesOn = d.date
  }
  const overBy = cumulative - o.period.limit
  const projectedLow = usedToDate + (cumulative - usedToDate) * (1 - REMAINDER_UNCERTAINTY[o.utility])
  return {
    school: o.school,
    utility: o.utility,
    unit: o.utility === 'water' ? 'm3' : 'kWh',
    period: o.period,
    asOf: o.asOf,
    usedToDate,
    projected: cumulative,
    overBy,
    overPct: cumulative / o.period.limit - 1,
    projectedLow,
    onTrackToExceed: overBy > 0,
    likely: projectedLow > o.period.limit,
    exceeded: usedToDate > o.period.limit,
    indicative: o.indicative ?? false,
    ...(crossesOn !== undefined ? { crossesOn } : {}),
    schoolDaysLeft,
    otherDaysLeft,
    ...model,
  }
}

const KIND: Record<Utility, MeterKind> = { water: 'water', electricity: 'electricity', heat: 'heat' }

/** The quota periods of a school and utility that contain `date`. */
export function quotaPeriods(school: School, utility: Utility, date: string): QuotaPeriod[] {
  const q = school.quotas[utility]
  if (!q) return []
  const out: QuotaPeriod[] = []
  const term = school.calendar.terms.find((t) => t.start <= date && date <= t.end)
  if (term) {
    const limit =
      (term.name !== undefined ? q.terms?.[term.name] : undefined) ?? q.terms?.[term.start] ?? q.term
    if (limit !== undefined)
      out.push({ kind: 'term', name: term.name ?? term.start, from: term.start, to: term.end, limit })
  }
  if (q.year !== undefined) {
    const year = date.slice(0, 4)
    out.push({ kind: 'year', name: year, from: `${year}-01-01`, to: `${year}-12-31`, limit: q.year })
  }
  return out
}

export interface QuotaOptions {
  store: Store
  /** Called before reading, so that rollups still in memory are counted. */
  flush?: () => void
}

export class QuotaProjections {
  private readonly calendars = new Calendars()

  constructor(private readonly o: QuotaOptions) {}

  /**
   * Every quota of a school in force on the day after `asOf`, projected from the days up to
   * `asOf` (a local date whose day is over).
   */
  async forSchool(school: School, asOf: string): Promise<Projection[]> {
    this.o.flush?.()
    const cal = this.calendars.for(school)
    const out: Projection[] = []
    for (const utility of ['water', 'electricity', 'heat'] as const) {
      const meters = [...school.meters.values()]
        .filter((m) => m.kind === KIND[utility] && !m.parent)
        .map((m) => m.id)
      if (meters.length === 0) continue
      for (const period of quotaPeriods(school, utility, addDays(asOf, 1))) {
        if (asOf < addDays(period.from, -1)) continue
        // Heat looks back to last winter (below); the others learn from the last four weeks.
        const windowFrom = addDays(asOf, -(utility === 'heat' ? HEAT_LOOK_BACK_DAYS : WINDOW_DAYS - 1))
        // Dates as YYYY-MM-DD compare as text.
        const [from] = [period.from, windowFrom].sort() as [string, string]
        const known = await dailySeries({
          store: this.o.store,
          school,
          cal,
          meters,
          scale: utility === 'water' ? 1 / 1000 : 1,
          from,
          to: asOf,
          now: cal.startOfDay(addDays(asOf, 1)),
          blackouts: [],
        })
        const byDate = new Map(known.map((d) => [d.date, d]))
        const normal = await this.normalWeather(school, cal, asOf, period.to, known)
        const day = (date: string): QuotaDay => {
          const k = byDate.get(date)
          const heating = cal.heatingSeason(date)
          const meanC = date <= asOf ? k?.meanC : normal.get(date)
          return {
            date,
            ...(date <= asOf && k ? { use: k.total } : {}),
            school: cal.dayType(date) === 'school_day',
            hdd: heating && meanC !== undefined ? Math.max(0, BASE_C - meanC) : 0,
          }
        }
        const learned = datesBetween(windowFrom, asOf)
          .map((date) => ({ ...day(date), use: byDate.get(date)?.use, heating: cal.heatingSeason(date) }))
          .filter((d) => d.use !== undefined)
        // Heat: its use per degree day is learned on last winter's heating days, whose range of
        // weather the winter to come needs, and scaled to this winter's days so far (a school that
        // turned its heating down shows it only there). Before two weeks of this winter the
        // projection is indicative and warns nobody. Without a last winter, this one is all there is.
        let seasonStart = asOf
        while (cal.heatingSeason(seasonStart) && seasonStart > windowFrom)
          seasonStart = addDays(seasonStart, -1)
        const thisSeason = cal.heatingSeason(asOf)
          ? learned.filter((d) => d.heating && d.date > seasonStart)
          : []
        const enough = thisSeason.length >= MIN_SEASON_DAYS
        const lastWinter = learned.filter((d) => d.heating && d.date <= seasonStart)
        const recent = (heating: boolean) =>
          heating
            ? lastWinter.length >= MIN_SEASON_DAYS
              ? lastWinter
              : thisSeason
            : learned.filter((d) => !d.heating).slice(-WINDOW_DAYS)
        out.push(
          project({
            school: school.id,
            utility,
            period,
            asOf,
            days: datesBetween(period.from, period.to).map((date) => ({
              ...day(date),
              heating: cal.heatingSeason(date),
            })),
            window: utility === 'heat' ? recent(true) : learned.slice(-WINDOW_DAYS),
            ...(utility === 'heat'
              ? {
                  outOfSeason: recent(false),
                  indicative: !enough,
                  ...(enough && lastWinter.length >= MIN_SEASON_DAYS ? { calibrate: thisSeason } : {}),
                }
              : {}),
          }),
        )
      }
    }
    return out
  }

  /**
   * The normal mean temperature of each day after `asOf` up to `to`: the same days of earlier
   * years the store holds (± 3 days), else the mean of the last two weeks known.
   */
  private async normalWeather(
    school: School,
    _cal: SchoolCalendar,
    asOf: string,
    to: string,
    known: readonly SchoolDay[],
  ): Promise<Map<string, number>> {
    const recent = known.slice(-14).flatMap((d) => (d.meanC !== undefined ? [d.meanC] : []))
    const fallback = recent.length > 0 ? recent.reduce((a, b) => a + b, 0) / recent.length : undefined
    const out = new Map<string, number>()
    const future = datesBetween(addDays(asOf, 1), to)
    if (future.length === 0) return out
    const years: Map<string, number>[] = []
    for (let back = 1; back <= 3; back++) {
      const shift = (d: string) => sameDayYearsBefore(d, back)
      years.push(
        await this.o.store.history.outdoorMeans(
          school.id,
          addDays(shift(future[0]!), -NORMAL_SPAN_DAYS),
          addDays(shift(future.at(-1)!), NORMAL_SPAN_DAYS),
        ),
      )
    }
    for (const date of future) {
      const values: number[] = []
      years.forEach((means, i) => {
        const base = sameDayYearsBefore(date, i + 1)
        for (let k = -NORMAL_SPAN_DAYS; k <= NORMAL_SPAN_DAYS; k++) {
          const v = means.get(addDays(base, k))
          if (v !== undefined) values.push(v)
        }
      })
      const v = values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : fallback
      if (v !== undefined) out.set(date, v)
    }
    return out
  }
}

/** The same day `years` earlier (29 February becomes the 28th). */
function sameDayYearsBefore(date: string, years: number): string {
  const day = date.endsWith('-02-29') ? `${date.slice(0, 8)}28` : date
  return `${Number(day.slice(0, 4)) - years}${day.slice(4)}`
}

/** The projections' columns for CSV and a terminal (reports/sheet.ts). */
export function quotaColumns(registry: Registry): Column<Projection>[] {
  return [
    { header: 'quota.column.school', cell: (p) => registry.schools.get(p.school)?.name ?? p.school },
    { header: 'quota.column.utility', cell: (p, l) => t(l, 'report.utility', { value: p.utility }) },
    {
      header: 'quota.column.period',
      cell: (p, l) => t(l, 'quota.period', { period: p.period.kind, name: p.period.name }),
    },
    { header: 'quota.column.unit', cell: (p, l) => t(l, 'report.unit', { value: p.unit }) },
    { header: 'quota.column.limit', cell: (p) => Math.round(p.period.limit), decimals: 0 },
    { header: 'quota.column.usedToDate', cell: (p) => Math.round(p.usedToDate), decimals: 0 },
    { header: 'quota.column.projected', cell: (p) => Math.round(p.projected), decimals: 0 },
    { header: 'quota.column.overPct', cell: (p) => Math.round(p.overPct * 1000) / 10 },
    { header: 'quota.column.crossesOn', cell: (p) => p.crossesOn },
    {
      header: 'quota.column.daysLeft',
      cell: (p, l) => t(l, 'quota.daysLeft', { school: p.schoolDaysLeft, other: p.otherDaysLeft }),
    },
  ]
}
