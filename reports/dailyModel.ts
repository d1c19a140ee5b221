/**
 * The baseline model (RULES.md, "Monthly savings"): daily use in the way of the CalTRACK 2.0 daily
 * methods, as OpenEEmeter implements them (openeemeter/eemeter, `caltrack/usage_per_day.py`),
 * with the school calendar as regressors:
 *
 *   use = intercept + β_H·HDD(T_H) + β_C·CDD(T_C) + calendar terms
 *
 * - Candidates: intercept only, HDD only, CDD only, HDD + CDD (heat: no CDD, as CalTRACK does for
 *   gas), each over a grid of balance points: −1 … 32 °C in 1 °C steps (CalTRACK's 30 … 90 °F at
 *   most 3 °F apart), HDD + CDD only where T_C ≥ T_H (3.2.2.1).
 * - A candidate is tried only with at least 10 days of non-zero degree days and 20 °F·days
 *   (11.1 °C·days) in all (3.2.2.2); it qualifies when every degree-day coefficient is positive
 *   with p < 0.1 and no day's base use is negative (3.4.3.2); the qualified candidate with the
 *   highest adjusted R² wins (3.4.3.3).
 * - Degree days are taken two ways, and the data decide: from the daily mean temperature
 *   (CalTRACK's way) and from hourly temperatures (degree-hours ÷ 24, as eemeter's
 *   `degree_day_method="hourly"`), which a load that follows the hour's weather fits better.
 * - Heat is also tried as two models, one for the days of the school's heating season (the
 *   candidates above) and one for the days outside it (calendar terms only): district heating
 *   runs by the calendar, not by the weather. The data decide here too (adjusted R² over all
 *   days), so a boiler that heats whenever it is cold keeps one model for the year.
 * - The school calendar, which no utility method has: school closed (weekend, holiday), vacation,
 *   a boarding night, and the degree days of closed days with their own slope (a school heats to
 *   comfort on school days and only against frost on the others). Each enters only where the
 *   baseline has enough days of both kinds, and stays only while its p-value is under 0.01
 *   (backward elimination; a stricter bar than the weather terms', since several are tried on
 *   every one of hundreds of candidates). So a building without a weekly rhythm gets CalTRACK's
 *   model, and no pair of nearly collinear counts (days and school days) is fitted side by side.
 */
import type { DayType } from '../core/calendar.js'
import { fitMeasures, lag1Autocorrelation, solveNormal } from './stats.js'

/** One local day of a school's use and weather. */
export interface ModelDay {
  date: string
  /** Use of the day (m³ or kWh); undefined when the day cannot be fitted on (missing, estimated, blackout). */
  use?: number
  /** Daily mean outdoor temperature, °C; undefined when unknown. */
  meanC?: number
  /** Mean outdoor temperature of each hour of the day that has one, °C (degree-hours). */
  hourlyC?: readonly number[]
  dayType: DayType
  /** A boarding night: pupils sleep in the school's dormitories. */
  boarding: boolean
  /** The day lies in the school's heating season. */
  heatingSeason: boolean
}

export type ModelForm = 'intercept_only' | 'hdd_only' | 'cdd_only' | 'hdd_cdd'
/** How degree days are taken from the temperatures of a day. */
export type DegreeDayMethod = 'daily_mean' | 'hourly'

/** Calendar regressors: 0/1 flags of the day. */
export const CALENDAR_TERMS = ['closed', 'vacation', 'boarding'] as const
export type CalendarTerm = (typeof CALENDAR_TERMS)[number]
export type Term = 'intercept' | 'hdd' | 'cdd' | CalendarTerm | 'hddClosed' | 'cddClosed'

/** The terms and coefficients of one fitted equation. */
export interface Equation {
  form: ModelForm
  degreeDays: DegreeDayMethod
  heatingBalanceC?: number
  coolingBalanceC?: number
  terms: Term[]
  coefficients: number[]
  pValues: number[]
}

/**
 * A fitted model: all a prediction needs, and how good the fit was. Plain data (kept as JSON).
 * With `outOfSeason`, the main equation holds for days of the heating season and that one for
 * the others.
 */
export interface DailyModel extends Equation {
  outOfSeason?: Equation
  /** Days fitted on. */
  n: number
  rSquared: number
  rSquaredAdj: number
  /** ASHRAE Guideline 14 on the daily fit (n − p in the denominators). */
  rmse: number
  cvRmse: number
  nmbe: number
  /** Lag-1 autocorrelation of the daily residuals, in date order. */
  autocorrelation: number
  /** Candidates tried, and how many qualified. */
  candidates: { tried: number; qualified: number }
}

export interface FitOptions {
  /** Try CDD candidates (electricity, water); heat has none. */
  cooling: boolean
  /** Heat: also try one model for the heating season's days and one for the others. */
  seasonSegments: boolean
  /** Degree-day coefficients qualify under this p-value (default MAX_P_VALUE). */
  maxWeatherPValue?: number
  /**
   * A weather candidate wins only if it cuts the squared error of the best candidate without
   * weather (intercept and calendar) by at least this share (default 0: CalTRACK's rule alone).
   */
  minWeatherGain?: number
  /** Days needed with and without a calendar flag for it to enter (default MIN_DAYS_PER_FLAG). */
  minDaysPerFlag?: number
}

/** CalTRACK's balance-point grid, in °C. */
export const BALANCE_POINTS_C: readonly number[] = Array.from({ length: 34 }, (_, i) => i - 1)
export const MIN_NONZERO_DEGREE_DAYS = 10
export const MIN_TOTAL_DEGREE_DAYS_C = 20 / 1.8
/** Degree-day coefficients qualify under this p-value (CalTRACK 3.4.3.2). */
export const MAX_P_VALUE = 0.1
/** Calendar terms stay under this p-value. */
export const MAX_CALENDAR_P_VALUE = 0.01
/** A calendar flag enters only with at least this many days with it and without it. */
export const MIN_DAYS_PER_FLAG = 10
/** Fewer fitting days than this and no model is attempted. */
export const MIN_FIT_DAYS = 30
/** Hourly degree days need this many hours of the day with a temperature; else the daily mean serves. */
const MIN_HOURS = 18

const isClosed = (t: DayType) => t !== 'school_day'

/** Heating (sign 1) or cooling (sign −1) degree days of a day at a balance point. */
export function degreeDays(
  day: Pick<ModelDay, 'meanC' | 'hourlyC'>,
  balanceC: number,
  heating: boolean,
  method: DegreeDayMethod,
): number | undefined {
  const h = day.hourlyC
  if (method === 'hourly' && h && h.length >= MIN_HOURS) {
    let s = 0
    for (const t of h) s += heating ? Math.max(0, balanceC - t) : Math.max(0, t - balanceC)
    return s / h.length
  }
  if (day.meanC === undefined) return undefined
  return heating ? Math.max(0, balanceC - day.meanC) : Math.max(0, day.meanC - balanceC)
}

function calendarValue(term: CalendarTerm, day: ModelDay): number {
  switch (term) {
    case 'closed':
      return day.dayType === 'weekend' || day.dayType === 'holiday' ? 1 : 0
    case 'vacation':
      return day.dayType === 'vacation' ? 1 : 0
    case 'boarding':
      return day.boarding ? 1 : 0
  }
}

type Shape = Pick<Equation, 'terms' | 'degreeDays' | 'heatingBalanceC' | 'coolingBalanceC'>

/** The regressors of a day, in the equation's term order; undefined without a temperature it needs. */
export function regressorsOf(model: Shape, day: ModelDay): number[] | undefined {
  let hdd = 0
  let cdd = 0
  if (model.heatingBalanceC !== undefined) {
    const v = degreeDays(day, model.heatingBalanceC, true, model.degreeDays)
    if (v === undefined) return undefined
    hdd = v
  }
  if (model.coolingBalanceC !== undefined) {
    const v = degreeDays(day, model.coolingBalanceC, false, model.degreeDays)
    if (v === undefined) return undefined
    cdd = v
  }
  const closed = isClosed(day.dayType) ? 1 : 0
  return model.terms.map((t) => {
    switch (t) {
      case 'intercept':
        return 1
      case 'hdd':
        return hdd
      case 'cdd':
        return cdd
      case 'hddClosed':
        return hdd * closed
      case 'cddClosed':
        return cdd * closed
      default:
        return calendarValue(t, day)
    }
  })
}

/** Predicted use of a day; undefined without the temperature the model needs. */
export function predictDay(model: DailyModel, day: ModelDay): number | undefined {
  const eq = model.outOfSeason && !day.heatingSeason ? model.outOfSeason : model
  const x = regressorsOf(eq, day)
  if (!x) return undefined
  let y = 0
  for (let i = 0; i < x.length; i++) y += eq.coefficients[i]! * x[i]!
  return y
}

interface Candidate {
  form: ModelForm
  degreeDays: DegreeDayMethod
  heatingBalanceC?: number
  coolingBalanceC?: number
}

/**
 * The fitting days as columns, made once and kept by name, and their dot products, kept too: a
 * candidate's XᵀX then costs only the products it does not share with the candidates before it.
 */
class Design {
  readonly n: number
  readonly y: Float64Array
  readonly yty: number
  readonly sst: number
  readonly closed: Float64Array
  /** Calendar flags with enough days of both kinds. */
  readonly calendar: CalendarTerm[] = []
  readonly minDaysPerFlag: number
  readonly maxWeatherP: number
  private readonly columns: Float64Array[] = []
  private readonly ids = new Map<string, number>()
  private readonly dots = new Map<number, number>()

  constructor(
    readonly days: readonly ModelDay[],
    readonly options: FitOptions,
  ) {
    const minDaysPerFlag = options.minDaysPerFlag ?? MIN_DAYS_PER_FLAG
    this.minDaysPerFlag = minDaysPerFlag
    this.maxWeatherP = options.maxWeatherPValue ?? MAX_P_VALUE
    this.n = days.length
    this.y = Float64Array.from(days, (d) => d.use!)
    let mean = 0
    for (const v of this.y) mean += v
    mean /= this.n
    let yty = 0
    let sst = 0
    for (const v of this.y) {
      yty += v * v
      sst += (v - mean) ** 2
    }
    this.yty = yty
    this.sst = sst
    this.closed = Float64Array.from(days, (d) => (isClosed(d.dayType) ? 1 : 0))
    this.column('intercept', () => new Float64Array(this.n).fill(1))
    this.column('y', () => this.y)
    for (const term of CALENDAR_TERMS) {
      const col = Float64Array.from(days, (d) => calendarValue(term, d))
      const on = col.reduce((a, b) => a + b, 0)
      if (on < minDaysPerFlag || this.n - on < minDaysPerFlag) continue
      this.column(term, () => col)
      this.calendar.push(term)
    }
  }

  /** A column by name, made on first use; its id for `dot`. */
  column(name: string, make: () => Float64Array): Column {
    let id = this.ids.get(name)
    if (id === undefined) {
      id = this.columns.length
      this.columns.push(make())
      this.ids.set(name, id)
    }
    return { id, values: this.columns[id]! }
  }

  id(name: string): number {
    return this.ids.get(name)!
  }

  degreeDayColumn(c: Candidate, heating: boolean): Column {
    const bp = heating ? c.heatingBalanceC! : c.coolingBalanceC!
    return this.column(`${heating ? 'hdd' : 'cdd'}|${bp}|${c.degreeDays}`, () =>
      Float64Array.from(this.days, (d) => degreeDays(d, bp, heating, c.degreeDays)!),
    )
  }

  closedPart(dd: Column): Column {
    return this.column(`closed|${dd.id}`, () => dd.values.map((v, i) => v * this.closed[i]!))
  }

  dot(a: number, b: number): number {
    const key = a < b ? a * 65536 + b : b * 65536 + a
    let v = this.dots.get(key)
    if (v === undefined) {
      const ca = this.columns[a]!
      const cb = this.columns[b]!
      v = 0
      for (let i = 0; i < this.n; i++) v += ca[i]! * cb[i]!
      this.dots.set(key, v)
    }
    return v
  }
}

interface Column {
  id: number
  values: Float64Array
}

/** CalTRACK 3.2.2.2: enough days with degree days, and enough degree days in all. */
function enoughDegreeDays(col: Float64Array): boolean {
  let nonZero = 0
  let total = 0
  for (const v of col) {
    if (v > 0) nonZero++
    total += v
  }
  return nonZero >= MIN_NONZERO_DEGREE_DAYS && total >= MIN_TOTAL_DEGREE_DAYS_C
}

/** Closed days' own slope is tried only where both closed and open days have degree days. */
function enoughOnBothSides(dd: Float64Array, closed: Float64Array, min: number): boolean {
  let open = 0
  let shut = 0
  for (let i = 0; i < dd.length; i++) {
    if (dd[i]! <= 0) continue
    if (closed[i]) shut++
    else open++
  }
  return open >= min && shut >= min
}

interface Fitted {
  candidate: Candidate
  terms: Term[]
  coefficients: number[]
  pValues: number[]
  sse: number
  rSquared: number
  rSquaredAdj: number
}

const isCalendar = (t: Term) => t !== 'intercept' && t !== 'hdd' && t !== 'cdd'

/**
 * One candidate: fits every term, drops the least significant calendar term while any has
 * p ≥ 0.01, then judges the degree-day terms as CalTRACK does.
 */
function fitCandidate(d: Design, candidate: Candidate): Fitted | undefined {
  const terms: Term[] = ['intercept']
  const ids: number[] = [d.id('intercept')]
  const add = (term: Term, id: number) => {
    terms.push(term)
    ids.push(id)
  }
  let hdd: Column | undefined
  let cdd: Column | undefined
  if (candidate.heatingBalanceC !== undefined) {
    hdd = d.degreeDayColumn(candidate, true)
    if (!enoughDegreeDays(hdd.values)) return undefined
    add('hdd', hdd.id)
  }
  if (candidate.coolingBalanceC !== undefined) {
    cdd = d.degreeDayColumn(candidate, false)
    if (!enoughDegreeDays(cdd.values)) return undefined
    add('cdd', cdd.id)
  }
  for (const term of d.calendar) add(term, d.id(term))
  if (hdd && enoughOnBothSides(hdd.values, d.closed, d.minDaysPerFlag)) add('hddClosed', d.closedPart(hdd).id)
  if (cdd && enoughOnBothSides(cdd.values, d.closed, d.minDaysPerFlag)) add('cddClosed', d.closedPart(cdd).id)

  const y = d.id('y')
  let keep = terms.map((_, i) => i)
  for (;;) {
    const xtx = keep.map((a) => keep.map((b) => d.dot(ids[a]!, ids[b]!)))
    const xty = keep.map((a) => d.dot(ids[a]!, y))
    const fit = solveNormal(xtx, xty, d.yty, d.n)
    if (!fit) {
      // Collinear: drop the last calendar term and try again.
      const optional = keep.filter((i) => isCalendar(terms[i]!))
      if (optional.length === 0) return undefined
      keep = keep.filter((i) => i !== optional[optional.length - 1])
      continue
    }
    let worst = -1
    for (let j = 0; j < keep.length; j++) {
      if (!isCalendar(terms[keep[j]!]!)) continue
      if (fit.pValues[j]! >= MAX_CALENDAR_P_VALUE && (worst < 0 || fit.pValues[j]! > fit.pValues[worst]!))
        worst = j
    }
    if (worst >= 0) {
      keep = keep.filter((_, j) => j !== worst)
      continue
    }
    // A negative base load that is not significant is no base load: fit without the intercept
    // (district heating is off out of season; CalTRACK's gas meters always have one).
    if (keep[0] === 0 && fit.coefficients[0]! < 0 && fit.pValues[0]! >= d.maxWeatherP && keep.length > 1) {
      keep = keep.slice(1)
      continue
    }
    const kept = keep.map((i) => terms[i]!)
    const coefficient = (t: Term) => {
      const j = kept.indexOf(t)
      return j < 0 ? 0 : fit.coefficients[j]!
    }
    // CalTRACK 3.4.3.2: degree-day slopes positive and significant.
    for (const t of ['hdd', 'cdd'] as const) {
      const j = kept.indexOf(t)
      if (j >= 0 && !(fit.coefficients[j]! > 0 && fit.pValues[j]! < d.maxWeatherP)) return undefined
    }
    // No negative slope on closed days, no negative base use on any day.
    if (coefficient('hdd') + coefficient('hddClosed') < 0) return undefined
    if (coefficient('cdd') + coefficient('cddClosed') < 0) return undefined
    for (const day of d.days) {
      let base = coefficient('intercept')
      for (const t of CALENDAR_TERMS) base += coefficient(t) * calendarValue(t, day)
      if (base < 0) return undefined
    }
    // R² about the mean, so that fits with and without an intercept compare.
    const rSquared = d.sst > 0 ? 1 - fit.sse / d.sst : 0
    const p = kept.length
    return {
      candidate,
      terms: kept,
      coefficients: fit.coefficients,
      pValues: fit.pValues,
      sse: fit.sse,
      rSquared,
      rSquaredAdj: 1 - ((1 - rSquared) * (d.n - 1)) / (d.n - p),
    }
  }
}

function* candidates(o: FitOptions, hourly: boolean): Generator<Candidate> {
  yield { form: 'intercept_only', degreeDays: 'daily_mean' }
  const methods: DegreeDayMethod[] = hourly ? ['daily_mean', 'hourly'] : ['daily_mean']
  for (const degreeDays of methods) {
    for (const h of BALANCE_POINTS_C) yield { form: 'hdd_only', degreeDays, heatingBalanceC: h }
    if (!o.cooling) continue
    for (const c of BALANCE_POINTS_C) yield { form: 'cdd_only', degreeDays, coolingBalanceC: c }
    for (const h of BALANCE_POINTS_C)
      for (const c of BALANCE_POINTS_C)
        if (c >= h) yield { form: 'hdd_cdd', degreeDays, heatingBalanceC: h, coolingBalanceC: c }
  }
}

/** The best qualified candidate on some days, and how many were tried and qualified. */
function bestOf(days: readonly ModelDay[], o: FitOptions) {
  const design = new Design(days, o)
  const hourly = days.some((d) => (d.hourlyC?.length ?? 0) >= MIN_HOURS)
  let best: Fitted | undefined
  let calendarOnly: Fitted | undefined
  let tried = 0
  let qualified = 0
  for (const candidate of candidates(o, hourly)) {
    tried++
    const f = fitCandidate(design, candidate)
    if (!f) continue
    qualified++
    if (candidate.form === 'intercept_only') calendarOnly = f
    if (!best || f.rSquaredAdj > best.rSquaredAdj) best = f
  }
  const gain = o.minWeatherGain ?? 0
  if (gain > 0 && best && calendarOnly && best.sse > (1 - gain) * calendarOnly.sse) best = calendarOnly
  return { best, tried, qualified, design }
}

const equationOf = (f: Fitted): Equation => ({
  ...f.candidate,
  terms: f.terms,
  coefficients: f.coefficients,
  pValues: f.pValues,
})

/**
 * Fits the baseline model on the days that have a use and a temperature; undefined when fewer
 * than `minDays` do or no candidate qualifies.
 */
export function fitDailyModel(
  days: readonly ModelDay[],
  o: FitOptions,
  minDays = MIN_FIT_DAYS,
): DailyModel | undefined {
  const fitting = days.filter((d) => d.use !== undefined && d.meanC !== undefined)
  if (fitting.length < minDays) return undefined
  const year = bestOf(fitting, o)
  let tried = year.tried
  let qualified = year.qualified
  let model: DailyModel | undefined = year.best && {
    ...equationOf(year.best),
    n: fitting.length,
    rSquared: year.best.rSquared,
    rSquaredAdj: year.best.rSquaredAdj,
    rmse: 0,
    cvRmse: 0,
    nmbe: 0,
    autocorrelation: 0,
    candidates: { tried: 0, qualified: 0 },
  }
  if (o.seasonSegments) {
    const inSeason = fitting.filter((d) => d.heatingSeason)
    const outside = fitting.filter((d) => !d.heatingSeason)
    if (inSeason.length >= MIN_FIT_DAYS && outside.length >= MIN_FIT_DAYS) {
      const heating = bestOf(inSeason, o)
      const off = fitCandidate(new Design(outside, o), { form: 'intercept_only', degreeDays: 'daily_mean' })
      tried += heating.tried + 1
      qualified += heating.qualified + (off ? 1 : 0)
      if (heating.best && off) {
        const sst = year.design.sst
        const rSquared = sst > 0 ? 1 - (heating.best.sse + off.sse) / sst : 0
        const p = heating.best.terms.length + off.terms.length
        const rSquaredAdj = 1 - ((1 - rSquared) * (fitting.length - 1)) / (fitting.length - p)
        if (!model || rSquaredAdj > model.rSquaredAdj)
          model = {
            ...equationOf(heating.best),
            outOfSeason: equationOf(off),
            n: fitting.length,
            rSquared,
            rSquaredAdj,
            rmse: 0,
            cvRmse: 0,
            nmbe: 0,
            autocorrelation: 0,
            candidates: { tried: 0, qualified: 0 },
          }
      }
    }
  }
  if (!model) return undefined
  model.candidates = { tried, qualified }
  const observed = fitting.map((d) => d.use!)
  const predicted = fitting.map((d) => predictDay(model, d)!)
  const parameters = model.terms.length + (model.outOfSeason?.terms.length ?? 0)
  const m = fitMeasures(observed, predicted, parameters)
  if (!m) return undefined
  model.rmse = m.rmse
  model.cvRmse = m.cvRmse
  model.nmbe = m.nmbe
  model.autocorrelation = lag1Autocorrelation(observed.map((y, i) => y - predicted[i]!)) ?? 0
  return model
}

/** Coefficients of a model, both equations. */
export function parametersOf(model: DailyModel): number {
  return model.terms.length + (model.outOfSeason?.terms.length ?? 0)
}
