/**
 * The fixed baseline (RULES.md, "Monthly savings"; IPMVP Option C): per school and utility, one
 * period — configured (`savings.baseline`, or the 12 months before `savings.programmeStart`),
 * else the first 12 complete months of data — on which the daily model is fitted once and kept.
 * Savings are counted against it from then on, so they do not fade into a rolling baseline.
 *
 * It is judged as CalTRACK and ASHRAE Guideline 14 judge one: data sufficiency (CalTRACK 2.2.1:
 * at least 90 % of the baseline's days with meter data and a temperature; and every month of it
 * at least half covered, so that no season is missing), a qualified candidate model, and
 * Guideline 14's limits for monthly models on the baseline's monthly sums of daily predictions:
 * CV(RMSE) ≤ 15 %, |NMBE| ≤ 5 %.
 */
import { createHash } from 'node:crypto'
import type { School } from '../core/registry.js'
import type { Store } from '../store/index.js'
import { addDays, type SchoolDay } from './daily.js'
import { type DailyModel, type FitOptions, fitDailyModel, parametersOf, predictDay } from './dailyModel.js'
import { fitMeasures } from './stats.js'

export type Utility = 'water' | 'electricity' | 'heat'

/** Bumped when the method changes: kept models of an older method are fitted again. */
export const MODEL_VERSION = 1

/** ASHRAE Guideline 14's limits for monthly models. */
export const G14 = { maxCvRmse: 0.15, maxAbsNmbe: 0.05 } as const
/** CalTRACK 2.2.1.2: share of the baseline's days with data. */
export const MIN_VALID_DAYS = 0.9
/** Share of each baseline month's days with data. */
export const MIN_MONTH_DAYS = 0.5

export type BaselineSource = 'configured' | 'programme_start' | 'first_year'

export interface BaselinePeriod {
  /** Inclusive local dates. */
  from: string
  to: string
  source: BaselineSource
}

export interface Blackout {
  name: string
  from: string
  to: string
}

/** Why a baseline cannot give savings yet. */
export type BaselineProblem = 'baseline_incomplete' | 'baseline_insufficient' | 'no_model'

export interface BaselineResult {
  period: BaselinePeriod
  /** Undefined when the baseline gives a model. */
  problem?: BaselineProblem
  model?: DailyModel
  /** Guideline 14 on the baseline's monthly sums (predicted against metered, days with data). */
  monthly?: { n: number; cvRmse: number; nmbe: number }
  /**
   * Per calendar month of the baseline (`MM`): (predicted − metered) / metered, and the residual
   * spread of its days (RMSE, corrected for the model's parameters as the daily fit's is).
   */
  monthBias?: Record<string, number>
  monthRmse?: Record<string, number>
  /** Mean metered use of a baseline day with data: the scale against which "almost nothing" is judged. */
  typicalDay?: number
  sufficiency: { days: number; validDays: number; thinMonths: string[] }
  fittedAt?: number
}

/** The local date a year before `date` (29 February falls back to the 28th). */
export function yearBefore(date: string): string {
  const y = Number(date.slice(0, 4)) - 1
  const md = date.slice(5)
  return md === '02-29' ? `${y}-02-28` : `${y}-${md}`
}

/** A baseline set in the registry (the utility's own first), or undefined for the default. */
export function configuredBaseline(school: School, utility: Utility): BaselinePeriod | undefined {
  for (const layer of [school.savings[utility], school.savings]) {
    if (!layer) continue
    if (layer.baseline) return { ...layer.baseline, source: 'configured' }
    if (layer.programmeStart)
      return {
        from: yearBefore(layer.programmeStart),
        to: addDays(layer.programmeStart, -1),
        source: 'programme_start',
      }
  }
  return undefined
}

/** The interventions touching a utility, as blackout periods. */
export function blackoutsOf(school: School, utility: Utility): Blackout[] {
  return (school.savings.interventions ?? [])
    .filter((i) => !i.utilities || i.utilities.includes(utility))
    .map((i) => ({ name: i.name, from: i.start, to: i.end ?? i.start }))
}

/**
 * The default baseline: the 12 months from the first month that starts with data on hand and has
 * at least half its days covered (a meter commissioned mid-month, or a slow start, is skipped).
 * Undefined before such a month exists.
 */
export function firstYearBaseline(days: readonly SchoolDay[]): BaselinePeriod | undefined {
  const firstData = days.find((d) => d.coverage > 0)
  if (!firstData) return undefined
  const byMonth = new Map<string, { days: number; covered: number }>()
  for (const d of days) {
    if (d.date < firstData.date) continue
    const m = d.date.slice(0, 7)
    const e = byMonth.get(m) ?? { days: 0, covered: 0 }
    e.days++
    if (d.use !== undefined || d.coverage >= 0.9) e.covered++
    byMonth.set(m, e)
  }
  for (const [month, e] of byMonth) {
    // A month counts only from its first day on.
    if (`${month}-01` < firstData.date) continue
    const daysInMonth = new Date(
      Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0),
    ).getUTCDate()
    if (e.covered < daysInMonth * MIN_MONTH_DAYS) continue
    const [y, m] = month.split('-').map(Number) as [number, number]
    const end = new Date(Date.UTC(y + 1, m - 1, 0)).toISOString().slice(0, 10)
    return { from: `${month}-01`, to: end, source: 'first_year' }
  }
  return undefined
}

export interface FitContext {
  store: Store
  school: School
  utility: Utility
  options: FitOptions
}

/** What the kept model depends on: the method, the baseline's days, and how they were judged. */
function fingerprint(period: BaselinePeriod, days: readonly SchoolDay[], options: FitOptions): string {
  const h = createHash('sha1')
  h.update(JSON.stringify({ v: MODEL_VERSION, period, options }))
  for (const d of days) {
    const hourly = d.hourlyC ? d.hourlyC.reduce((a, b) => a + b, 0).toFixed(3) : ''
    h.update(
      `${d.date}|${d.use?.toFixed(6) ?? ''}|${d.meanC?.toFixed(3) ?? ''}|${hourly}|${d.dayType}|${d.boarding}|${d.heatingSeason}\n`,
    )
  }
  return h.digest('hex')
}

/**
 * The baseline model of a school and utility for `period`, given the period's days: the kept one
 * when neither the days nor the method changed since it was fitted, else fitted now and kept.
 */
export async function baselineFor(
  ctx: FitContext,
  period: BaselinePeriod,
  days: readonly SchoolDay[],
  now: number,
): Promise<BaselineResult> {
  const inPeriod = days.filter((d) => d.date >= period.from && d.date <= period.to)
  const counted = inPeriod.filter((d) => !d.blackout)
  const valid = counted.filter((d) => d.use !== undefined && d.meanC !== undefined && !d.temperatureFilled)
  const thinMonths: string[] = []
  const byMonth = new Map<string, { days: number; valid: number }>()
  for (const d of counted) {
    const e = byMonth.get(d.date.slice(0, 7)) ?? { days: 0, valid: 0 }
    e.days++
    if (valid.includes(d)) e.valid++
    byMonth.set(d.date.slice(0, 7), e)
  }
  for (const [m, e] of byMonth) if (e.valid < e.days * MIN_MONTH_DAYS) thinMonths.push(m)
  const sufficiency = { days: counted.length, validDays: valid.length, thinMonths }
  const last = inPeriod[inPeriod.length - 1]
  if (!last || last.date < period.to || last.end > now)
    return { period, problem: 'baseline_incomplete', sufficiency }
  if (valid.length < counted.length * MIN_VALID_DAYS || thinMonths.length > 0)
    return { period, problem: 'baseline_insufficient', sufficiency }

  const print = fingerprint(period, valid, ctx.options)
  const kept = await ctx.store.baselines.get(ctx.school.id, ctx.utility)
  if (kept && kept.fingerprint === print && kept.from === period.from && kept.to === period.to)
    return { ...(kept.model as BaselineResult), period, sufficiency }

  const model = fitDailyModel(valid, ctx.options)
  const result: BaselineResult = model
    ? { period, model, sufficiency, ...judge(model, valid) }
    : { period, problem: 'no_model', sufficiency }
  result.fittedAt = now
  const { period: _p, sufficiency: _s, ...keep } = result
  await ctx.store.baselines.put(ctx.school.id, ctx.utility, {
    from: period.from,
    to: period.to,
    fingerprint: print,
    fittedAt: now,
    model: keep,
  })
  return result
}

/**
 * Guideline 14 on the baseline's monthly sums, and per calendar month the bias and the residual
 * spread. A month that used nothing but was predicted some use counts as missed by 100 %.
 */
function judge(
  model: DailyModel,
  valid: readonly SchoolDay[],
): Pick<BaselineResult, 'monthly' | 'monthBias' | 'monthRmse' | 'typicalDay'> {
  const sums = new Map<string, { predicted: number; metered: number; sq: number; n: number }>()
  for (const d of valid) {
    const m = d.date.slice(0, 7)
    const e = sums.get(m) ?? { predicted: 0, metered: 0, sq: 0, n: 0 }
    const p = predictDay(model, d)!
    e.predicted += p
    e.metered += d.use!
    e.sq += (d.use! - p) ** 2
    e.n++
    sums.set(m, e)
  }
  const months = [...sums.values()]
  const measures = fitMeasures(
    months.map((m) => m.metered),
    months.map((m) => m.predicted),
    1,
  )
  const typical = months.reduce((a, m) => a + m.metered, 0) / Math.max(1, months.length)
  const dof = Math.sqrt(model.n / Math.max(1, model.n - parametersOf(model)))
  const monthBias: Record<string, number> = {}
  const monthRmse: Record<string, number> = {}
  for (const [m, e] of sums) {
    const key = m.slice(5)
    if (e.metered > 0) monthBias[key] = (e.predicted - e.metered) / e.metered
    else if (Math.abs(e.predicted) > 0.001 * typical) monthBias[key] = 1
    else monthBias[key] = 0
    monthRmse[key] = Math.sqrt(e.sq / e.n) * dof
  }
  return {
    ...(measures ? { monthly: { n: measures.n, cvRmse: measures.cvRmse, nmbe: measures.nmbe } } : {}),
    monthBias,
    monthRmse,
    typicalDay: valid.reduce((a, d) => a + d.use!, 0) / Math.max(1, valid.length),
  }
}

/** Guideline 14's verdict on a baseline model's monthly sums. */
export function passesG14(r: BaselineResult): { cvRmse: boolean; nmbe: boolean } {
  const m = r.monthly
  return {
    cvRmse: !!m && m.cvRmse <= G14.maxCvRmse,
    nmbe: !!m && Math.abs(m.nmbe) <= G14.maxAbsNmbe,
  }
}
