/**
 * Monthly savings per school and utility (RULES.md, "Monthly savings"), for calendar months in the
 * school's time zone: actual consumption of the school's top-level meters, coverage, last year's
 * month, expected consumption — the sum of the baseline model's daily predictions — savings with
 * their 90 % interval (ASHRAE Guideline 14), the same since the baseline, per pupil and per m²,
 * and the share used while the school was empty. Computed from the SQLite rollups.
 */
import { Calendars, type SchoolCalendar } from '../core/calendar.js'
import type { MeterKind } from '../core/kinds.js'
import type { Registry, School } from '../core/registry.js'
import type { Store } from '../store/index.js'
import {
  type BaselinePeriod,
  type BaselineProblem,
  type BaselineResult,
  baselineFor,
  blackoutsOf,
  configuredBaseline,
  firstYearBaseline,
  passesG14,
} from './baseline.js'
import { addDays, dailySeries, fillTemperatureGaps, type SchoolDay } from './daily.js'
import { type DailyModel, type FitOptions, fitDailyModel, parametersOf, predictDay } from './dailyModel.js'
import { savingsUncertainty } from './stats.js'

export const UTILITIES = ['water', 'electricity', 'heat'] as const
export type Utility = (typeof UTILITIES)[number]

/**
 * How expected consumption was found: `daily_model` (the baseline model), `last_year_scaled` (no
 * baseline model yet: last year's same month, fitted day by day on school days and weather and
 * predicted on this month's — indicative), or `none`. (`regression`, the monthly model of earlier
 * versions, is no longer produced.)
 */
export type Method = 'daily_model' | 'last_year_scaled' | 'none'

/** Why a figure is not ranked (stable identifiers; texts in the catalogues, `savings.reason.*`). */
export type GateReason =
  | BaselineProblem
  | 'model_cv_rmse'
  | 'model_nmbe'
  | 'before_baseline'
  | 'in_baseline'
  | 'coverage'
  | 'weather_missing'
  | 'season_fit'
  | 'negligible_use'

export interface MonthlyRow {
  school: string
  utility: Utility
  month: string
  unit: 'm3' | 'kWh'
  actual: number
  lastYear?: number
  expected?: number
  savings?: number
  savingsPct?: number
  perPupil?: number
  perM2?: number
  outOfHoursShare?: number
  coverage: number
  method: Method
  /** Not a figure to rank on: no baseline model, or one that fails a gate. */
  indicative: boolean
  /** Extensions: the calendar and weather of the month. */
  days: number
  schoolDays: number
  hdd?: number
  /** The baseline model's Guideline 14 measures on its monthly sums. */
  modelCvRmse?: number
  modelNmbe?: number
  /** Savings' 90 % interval (ASHRAE Guideline 14), in the unit and in % of expected. */
  savingsLow?: number
  savingsHigh?: number
  savingsPctLow?: number
  savingsPctHigh?: number
  /** Fractional savings uncertainty at 90 %: the interval's half-width ÷ |savings|. */
  fsu?: number
  /** `pass`: the figure meets every gate and is ranked; `fail`: see `gateReasons`. */
  gate?: 'pass' | 'fail'
  gateReasons?: GateReason[]
  /** The fixed baseline period (inclusive local dates) and where it came from. */
  baselineFrom?: string
  baselineTo?: string
  baselineSource?: BaselinePeriod['source']
  /** Savings count from this local date: the day after the baseline (and any blackout at its end). */
  reportingFrom?: string
  /** From `reportingFrom` to the end of this month (or now): expected, savings, % of expected, 90 % interval. */
  cumulativeExpected?: number
  cumulativeSavings?: number
  cumulativeSavingsPct?: number
  cumulativeSavingsLow?: number
  cumulativeSavingsHigh?: number
  /** Days of the month in an intervention's blackout: they count as neither savings nor waste. */
  blackoutDays?: number
  /** The model behind `expected`: form, degree days, balance points, daily fit. */
  modelForm?: DailyModel['form']
  modelDegreeDays?: DailyModel['degreeDays']
  heatingBalanceC?: number
  coolingBalanceC?: number
  modelDailyCvRmse?: number
  modelRSquaredAdj?: number
}

export interface ReportContext {
  registry: Registry
  store: Store
  /** Wall clock: the current month is reported up to now. */
  now?: () => number
  /** Called before reading, so that rollups still in memory are counted. */
  flush?: () => void
}

const DAY = 86_400_000
/** Rows under this coverage are not ranked. */
export const MIN_RANKING_COVERAGE = 0.9
/** A month whose temperatures had to be borrowed on more of its days than this is not ranked. */
export const MAX_FILLED_WEATHER = 0.1
/** A month of the baseline year the model missed by more than this: its months are not ranked. */
export const MAX_SEASON_BIAS = 0.15
/**
 * A month that used, and was expected to use, less than this share of a typical baseline day's
 * use per day (heat out of season) has savings but no percentage worth ranking.
 */
export const NEGLIGIBLE_USE = 0.02
/** The fallback fits on last year's month with at least this many days of data. */
const MIN_FALLBACK_DAYS = 20

export function shiftMonth(month: string, by: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const d = new Date(Date.UTC(y, m - 1 + by, 1))
  return d.toISOString().slice(0, 7)
}

const r3 = (v: number) => Math.round(v * 1000) / 1000
const pct = (v: number) => Math.round(v * 1000) / 10

/**
 * Fit options per utility: heat has no cooling and may follow the heating season. Water takes a
 * weather term only where it earns its place: it must cut the squared error of the calendar-only
 * model by a tenth, so that the best of a grid of balance points does not win on a handful of hot
 * days by chance. School water rarely follows the weather; where it does (irrigation, a pool),
 * clearly.
 */
export function fitOptions(utility: Utility): FitOptions {
  if (utility === 'heat') return { cooling: false, seasonSegments: true }
  if (utility === 'water') return { cooling: true, seasonSegments: false, minWeatherGain: 0.1 }
  return { cooling: true, seasonSegments: false }
}

/** Expected use and savings over some days, with their 90 % interval. */
interface Figures {
  expected: number
  savings: number
  /** Half-width of the 90 % interval; undefined when it cannot be computed. */
  uncertainty?: number
  blackoutDays: number
  /** Days whose temperature was borrowed, of `days`. */
  filled: number
  days: number
}

/**
 * Sums a model's predictions over days: a blackout day expects what it used; a day without
 * any data counts on neither side; the day under way counts pro rata.
 */
function figures(
  model: DailyModel,
  days: readonly SchoolDay[],
  now: number,
  monthRmse: Record<string, number> = {},
): Figures | undefined {
  let expected = 0
  let actual = 0
  /** Days predicted, per calendar month (`MM`): each brings its own residual spread. */
  const predictedDays = new Map<string, number>()
  let blackoutDays = 0
  let filled = 0
  let counted = 0
  for (const d of days) {
    if (d.start >= now) break
    const share = Math.min(1, (now - d.start) / (d.end - d.start))
    counted++
    if (d.blackout) {
      blackoutDays++
      expected += d.total
      actual += d.total
      continue
    }
    if (d.coverage === 0 && d.total === 0) continue
    const p = predictDay(model, d)
    if (p === undefined) return undefined
    if (d.temperatureFilled) filled++
    expected += p * share
    const mm = d.date.slice(5, 7)
    predictedDays.set(mm, (predictedDays.get(mm) ?? 0) + share)
    actual += d.total
  }
  if (counted === 0) return undefined
  const uncertainty =
    predictedDays.size > 0
      ? savingsUncertainty(
          { n: model.n, parameters: parametersOf(model), autocorrelation: model.autocorrelation },
          [...predictedDays].map(([mm, n]) => ({ days: n, rmse: monthRmse[mm] ?? model.rmse })),
        )
      : 0
  return {
    expected,
    savings: expected - actual,
    ...(uncertainty !== undefined ? { uncertainty } : {}),
    blackoutDays,
    filled,
    days: counted,
  }
}

/** Days without a temperature after borrowing from neighbours take the mean of the month's known days. */
function fillFromMonth(days: SchoolDay[]): void {
  const known = days.filter((d) => d.meanC !== undefined)
  if (known.length === 0) return
  const mean = known.reduce((a, d) => a + d.meanC!, 0) / known.length
  for (const d of days) {
    if (d.meanC !== undefined) continue
    d.meanC = mean
    d.temperatureFilled = true
  }
}

export class MonthlyReports {
  private readonly calendars = new Calendars()

  constructor(private readonly ctx: ReportContext) {}

  private now(): number {
    return (this.ctx.now ?? Date.now)()
  }

  /** Top-level meters of a kind: sub-meters are already inside their parents. */
  metersOf(school: School, kind: MeterKind): string[] {
    return [...school.meters.values()].filter((m) => m.kind === kind && !m.parent).map((m) => m.id)
  }

  /** Local start and end of a month; the end is "now" for the month under way. */
  span(cal: SchoolCalendar, month: string): [number, number] {
    const from = cal.startOfMonth(month)
    const to = cal.startOfMonth(shiftMonth(month, 1))
    return [from, Math.min(to, this.now())]
  }

  /** Days and school days of [from, to), and heating degree days (base 18 °C, heat: in the heating season). */
  async features(
    school: School,
    from: number,
    to: number,
    heatOnly: boolean,
  ): Promise<{ days: number; schoolDays: number; hdd: number; hddKnown: boolean }> {
    const cal = this.calendars.for(school)
    const dates: string[] = []
    for (let t = from; t < to; t += DAY) {
      // Step by days in local time (DST days are 23 or 25 hours).
      const date = cal.local(t + 3 * 3_600_000).date
      if (dates[dates.length - 1] === date) continue
      dates.push(date)
    }
    const fraction = (to - from) / (dates.length * DAY || 1)
    const schoolDays = dates.filter((d) => cal.dayType(d) === 'school_day').length
    const means = await this.ctx.store.history.outdoorMeans(
      school.id,
      dates[0] ?? '',
      dates[dates.length - 1] ?? '',
    )
    let hdd = 0
    let known = 0
    for (const d of dates) {
      const m = means.get(d)
      if (m === undefined) continue
      known++
      if (heatOnly && !cal.heatingSeason(d)) continue
      hdd += Math.max(0, 18 - m)
    }
    return {
      days: dates.length * Math.min(1, fraction),
      schoolDays,
      hdd: known ? (hdd * dates.length) / known : 0,
      hddKnown: dates.length > 0 && known >= dates.length * 0.5,
    }
  }

  async row(school: School, utility: Utility, month: string): Promise<MonthlyRow | undefined> {
    const meters = this.metersOf(school, utility)
    if (meters.length === 0) return undefined
    const cal = this.calendars.for(school)
    const scale = utility === 'water' ? 1 / 1000 : 1
    const [from, to] = this.span(cal, month)
    if (to <= from) return undefined
    const now = await this.ctx.store.history.totals(meters, from, to)
    const coverage = Math.min(1, now.coveredMs / (meters.length * (to - from)))
    const [lastFrom, lastTo] = this.span(cal, shiftMonth(month, -12))
    const last = lastTo > lastFrom ? await this.ctx.store.history.totals(meters, lastFrom, lastTo) : undefined
    const f = await this.features(school, from, to, utility === 'heat')
    const actual = now.used * scale
    const row: MonthlyRow = {
      school: school.id,
      utility,
      month,
      unit: utility === 'water' ? 'm3' : 'kWh',
      actual: r3(actual),
      ...(last && last.coveredMs > 0 ? { lastYear: r3(last.used * scale) } : {}),
      coverage: r3(coverage),
      method: 'none',
      indicative: true,
      days: r3(f.days),
      schoolDays: f.schoolDays,
      ...(utility === 'heat' && f.hddKnown ? { hdd: r3(f.hdd) } : {}),
    }
    if (school.pupils) row.perPupil = r3(actual / school.pupils)
    if (school.floorAreaM2) row.perM2 = r3(actual / school.floorAreaM2)
    if (now.used > 0) row.outOfHoursShare = r3(now.usedUnoccupied / now.used)
    await this.savings(row, school, utility, meters, cal)
    return row
  }

  /** Fills a row's expected use, savings, interval, gate and cumulative savings. */
  private async savings(
    row: MonthlyRow,
    school: School,
    utility: Utility,
    meters: string[],
    cal: SchoolCalendar,
  ): Promise<void> {
    const firstHour = await this.ctx.store.history.firstHour(meters)
    if (firstHour === undefined) return
    const now = this.now()
    const monthFirst = `${row.month}-01`
    const monthLast = addDays(`${shiftMonth(row.month, 1)}-01`, -1)
    const configured = configuredBaseline(school, utility)
    const blackouts = blackoutsOf(school, utility)
    const lastYearFirst = `${shiftMonth(row.month, -12)}-01`
    const firstDate = cal.local(firstHour).date
    const seriesFrom = [firstDate, configured?.from ?? monthFirst, lastYearFirst, monthFirst].sort()[0]!
    // Through the month, and through the baseline period (a month before it or in it needs it all).
    const baselineEnd = configured?.to ?? addDays(`${shiftMonth(firstDate.slice(0, 7), 13)}-01`, -1)
    const today = cal.local(now).date
    const seriesTo = [monthLast, [baselineEnd, today].sort()[0]!].sort().at(-1)!
    const days = await dailySeries({
      store: this.ctx.store,
      school,
      cal,
      meters,
      scale: utility === 'water' ? 1 / 1000 : 1,
      from: seriesFrom,
      to: seriesTo,
      now,
      blackouts,
    })
    const period = configured ?? firstYearBaseline(days)
    const options = fitOptions(utility)
    const base = period
      ? await baselineFor({ store: this.ctx.store, school, utility, options }, period, days, now)
      : undefined
    // Predictions need a temperature on every day: borrow from neighbours, then from the month.
    fillTemperatureGaps(days)
    const inMonth = (d: SchoolDay) => d.date >= monthFirst && d.date <= monthLast
    fillFromMonth(days.filter(inMonth))
    const monthDays = days.filter(inMonth)

    if (period) {
      row.baselineFrom = period.from
      row.baselineTo = period.to
      row.baselineSource = period.source
    }
    if (base?.model && !base.problem) {
      this.fromModel(row, base, monthDays, days, blackouts, now)
      return
    }
    // No baseline model: last year's month, day by day, as an indicative figure.
    const reasons: GateReason[] = [base?.problem ?? 'baseline_incomplete']
    row.gateReasons = reasons
    const lastYearLast = addDays(`${shiftMonth(row.month, -11)}-01`, -1)
    const lastYear = days.filter(
      (d) => d.date >= lastYearFirst && d.date <= lastYearLast && !d.temperatureFilled,
    )
    const fallback = fitDailyModel(lastYear, { ...options, minDaysPerFlag: 4 }, MIN_FALLBACK_DAYS)
    const fig = fallback && figures(fallback, monthDays, now)
    if (!fig) return
    row.method = 'last_year_scaled'
    this.fill(row, fig)
    row.gate = 'fail'
  }

  private fromModel(
    row: MonthlyRow,
    base: BaselineResult,
    monthDays: readonly SchoolDay[],
    days: readonly SchoolDay[],
    blackouts: readonly { from: string; to: string }[],
    now: number,
  ): void {
    const model = base.model!
    const fig = figures(model, monthDays, now, base.monthRmse)
    row.modelForm = model.form
    row.modelDegreeDays = model.degreeDays
    if (model.heatingBalanceC !== undefined) row.heatingBalanceC = model.heatingBalanceC
    if (model.coolingBalanceC !== undefined) row.coolingBalanceC = model.coolingBalanceC
    row.modelDailyCvRmse = r3(model.cvRmse)
    row.modelRSquaredAdj = r3(model.rSquaredAdj)
    if (base.monthly) {
      row.modelCvRmse = r3(base.monthly.cvRmse)
      row.modelNmbe = r3(base.monthly.nmbe)
    }
    if (!fig) return
    row.method = 'daily_model'
    const negligible =
      base.typicalDay !== undefined &&
      Math.max(fig.expected, row.actual) < NEGLIGIBLE_USE * base.typicalDay * fig.days
    this.fill(row, fig, !negligible)

    const reasons: GateReason[] = []
    if (negligible) reasons.push('negligible_use')
    const g14 = passesG14(base)
    if (!g14.cvRmse) reasons.push('model_cv_rmse')
    if (!g14.nmbe) reasons.push('model_nmbe')
    const period = base.period
    const monthFirst = `${row.month}-01`
    const monthLast = monthDays[monthDays.length - 1]?.date ?? monthFirst
    if (monthLast < period.from) reasons.push('before_baseline')
    else if (monthFirst <= period.to) reasons.push('in_baseline')
    if (row.coverage < MIN_RANKING_COVERAGE) reasons.push('coverage')
    if (fig.filled > fig.days * MAX_FILLED_WEATHER) reasons.push('weather_missing')
    const bias = base.monthBias?.[row.month.slice(5)]
    if (bias !== undefined && Math.abs(bias) > MAX_SEASON_BIAS) reasons.push('season_fit')
    row.gate = reasons.length === 0 ? 'pass' : 'fail'
    if (reasons.length > 0) row.gateReasons = reasons
    row.indicative = reasons.length > 0

    // Since the baseline: from the day after it (and after a blackout that runs past its end).
    let reportingFrom = addDays(period.to, 1)
    for (const b of blackouts)
      if (b.from <= reportingFrom && b.to >= reportingFrom) reportingFrom = addDays(b.to, 1)
    row.reportingFrom = reportingFrom
    if (monthLast < reportingFrom) return
    const since = days.filter((d) => d.date >= reportingFrom && d.date <= monthLast)
    const total = figures(model, since, now, base.monthRmse)
    if (!total) return
    row.cumulativeExpected = r3(total.expected)
    row.cumulativeSavings = r3(total.savings)
    const little =
      base.typicalDay !== undefined &&
      Math.max(total.expected, total.expected - total.savings) < NEGLIGIBLE_USE * base.typicalDay * total.days
    if (total.expected > 0 && !little) row.cumulativeSavingsPct = pct(total.savings / total.expected)
    if (total.uncertainty !== undefined) {
      row.cumulativeSavingsLow = r3(total.savings - total.uncertainty)
      row.cumulativeSavingsHigh = r3(total.savings + total.uncertainty)
    }
  }

  private fill(row: MonthlyRow, fig: Figures, percentages = true): void {
    row.expected = r3(fig.expected)
    row.savings = r3(fig.savings)
    if (percentages && fig.expected > 0) row.savingsPct = pct(fig.savings / fig.expected)
    if (fig.uncertainty !== undefined) {
      row.savingsLow = r3(fig.savings - fig.uncertainty)
      row.savingsHigh = r3(fig.savings + fig.uncertainty)
      if (percentages && fig.expected > 0) {
        row.savingsPctLow = pct((fig.savings - fig.uncertainty) / fig.expected)
        row.savingsPctHigh = pct((fig.savings + fig.uncertainty) / fig.expected)
      }
      if (fig.savings !== 0) row.fsu = r3(fig.uncertainty / Math.abs(fig.savings))
    }
    if (fig.blackoutDays > 0) row.blackoutDays = fig.blackoutDays
  }

  /** Rows for a month: every school (or one), every utility it meters. */
  async monthly(month: string, schoolId?: string): Promise<MonthlyRow[]> {
    this.ctx.flush?.()
    const rows: MonthlyRow[] = []
    for (const school of this.ctx.registry.schools.values()) {
      if (schoolId && school.id !== schoolId) continue
      for (const u of UTILITIES) {
        const r = await this.row(school, u, month)
        if (r) rows.push(r)
      }
    }
    return rows
  }

  /**
   * Schools ranked by adjusted savings %: only figures that pass every gate, with at least 90 %
   * coverage; the others are listed without a rank, with the reasons.
   */
  async ranking(month: string, utility: Utility): Promise<RankingRow[]> {
    const rows = (await this.monthly(month)).filter((r) => r.utility === utility)
    const rankable = rows.filter(
      (r) => r.gate === 'pass' && r.coverage >= MIN_RANKING_COVERAGE && r.savingsPct !== undefined,
    )
    rankable.sort((a, b) => b.savingsPct! - a.savingsPct!)
    const others = rows.filter((r) => !rankable.includes(r))
    return [
      ...rankable.map((r, i) => ({ rank: (i + 1) as number | null, ...pick(r, this.ctx.registry) })),
      ...others.map((r) => {
        const reasons: RankingReason[] = [...(r.gateReasons ?? [])]
        if (r.expected === undefined) reasons.push('no_expected')
        if (r.coverage < MIN_RANKING_COVERAGE && !reasons.includes('coverage')) reasons.unshift('coverage')
        return { rank: null, ...pick(r, this.ctx.registry), reasonCode: reasons[0], reasons }
      }),
    ]
  }
}

export type RankingReason = GateReason | 'no_expected'

export interface RankingRow {
  rank: number | null
  school: string
  name: string
  utility: Utility
  month: string
  savingsPct?: number
  savingsPctLow?: number
  savingsPctHigh?: number
  actual: number
  expected?: number
  unit: string
  coverage: number
  indicative: boolean
  gate?: 'pass' | 'fail'
  /** Why a row is not ranked: the first reason (for programs reading one code), and all of them. */
  reasonCode?: RankingReason
  reasons?: RankingReason[]
}

function pick(r: MonthlyRow, registry: Registry): Omit<RankingRow, 'rank'> {
  return {
    school: r.school,
    name: registry.schools.get(r.school)?.name ?? r.school,
    utility: r.utility,
    month: r.month,
    ...(r.savingsPct !== undefined ? { savingsPct: r.savingsPct } : {}),
    ...(r.savingsPctLow !== undefined ? { savingsPctLow: r.savingsPctLow } : {}),
    ...(r.savingsPctHigh !== undefined ? { savingsPctHigh: r.savingsPctHigh } : {}),
    actual: r.actual,
    ...(r.expected !== undefined ? { expected: r.expected } : {}),
    unit: r.unit,
    coverage: r.coverage,
    indicative: r.indicative,
    ...(r.gate ? { gate: r.gate } : {}),
  }
}
