/**
 * Monthly savings per school and utility (RULES.md, "Monthly savings"), for calendar months in the
 * school's time zone: actual consumption of the school's top-level meters, coverage, last year's
 * month, expected consumption from the baseline model, savings, per pupil and per m², and the
 * share used while the school was empty. Computed from the SQLite rollups.
 */
import { Calendars, type SchoolCalendar } from '../core/calendar.js'
import type { MeterKind } from '../core/kinds.js'
import type { Registry, School } from '../core/registry.js'
import type { Store } from '../store/index.js'
import { fitBaseline, type MonthFeatures, predict, regressors } from './baseline.js'

export const UTILITIES = ['water', 'electricity', 'heat'] as const
export type Utility = (typeof UTILITIES)[number]

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
  /** regression (the baseline model), last_year_scaled (last year's month × school days), or none. */
  method: 'regression' | 'last_year_scaled' | 'none'
  /** Under 12 months of history, or a model outside the ASHRAE Guideline 14 limits. */
  indicative: boolean
  /** Extensions: the calendar and weather of the month, and the model's fit. */
  days: number
  schoolDays: number
  hdd?: number
  modelCvRmse?: number
  modelNmbe?: number
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
/** Months with less coverage than this do not train the baseline model. */
export const MIN_TRAINING_COVERAGE = 0.9
const HISTORY_MONTHS = 12

export function shiftMonth(month: string, by: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const d = new Date(Date.UTC(y, m - 1 + by, 1))
  return d.toISOString().slice(0, 7)
}

const r3 = (v: number) => Math.round(v * 1000) / 1000

export class MonthlyReports {
  private readonly calendars = new Calendars()

  constructor(private readonly ctx: ReportContext) {}

  /** Top-level meters of a kind: sub-meters are already inside their parents. */
  metersOf(school: School, kind: MeterKind): string[] {
    return [...school.meters.values()].filter((m) => m.kind === kind && !m.parent).map((m) => m.id)
  }

  /** Local start and end of a month; the end is "now" for the month under way. */
  span(cal: SchoolCalendar, month: string): [number, number] {
    const from = cal.startOfMonth(month)
    const to = cal.startOfMonth(shiftMonth(month, 1))
    return [from, Math.min(to, (this.ctx.now ?? Date.now)())]
  }

  features(
    school: School,
    from: number,
    to: number,
    heatOnly: boolean,
  ): MonthFeatures & { hddKnown: boolean; hddSchool: number } {
    const cal = this.calendars.for(school)
    let days = 0
    let schoolDays = 0
    const dates: string[] = []
    for (let t = from; t < to; t += DAY) {
      // Step by days in local time (DST days are 23 or 25 hours).
      const date = cal.local(t + 3 * 3_600_000).date
      if (dates[dates.length - 1] === date) continue
      dates.push(date)
    }
    const fraction = (to - from) / (dates.length * DAY || 1)
    for (const d of dates) {
      days++
      if (cal.dayType(d) === 'school_day') schoolDays++
    }
    const means = this.ctx.store.outdoor.means(school.id, dates[0] ?? '', dates[dates.length - 1] ?? '')
    let hdd = 0
    let hddSchool = 0
    let known = 0
    for (const d of dates) {
      const m = means.get(d)
      if (m === undefined) continue
      known++
      if (heatOnly && !cal.heatingSeason(d)) continue
      hdd += Math.max(0, 18 - m)
      if (cal.dayType(d) === 'school_day') hddSchool += Math.max(0, 18 - m)
    }
    const hddKnown = dates.length > 0 && known >= dates.length * 0.5
    const k = known ? dates.length / known : 0
    return {
      days: days * Math.min(1, fraction),
      schoolDays,
      hdd: hdd * k,
      hddSchool: hddSchool * k,
      hddKnown,
    }
  }

  row(school: School, utility: Utility, month: string): MonthlyRow | undefined {
    const meters = this.metersOf(school, utility)
    if (meters.length === 0) return undefined
    const cal = this.calendars.for(school)
    const scale = utility === 'water' ? 1 / 1000 : 1
    const withHdd = utility === 'heat'
    const measure = (m: string) => {
      const [from, to] = this.span(cal, m)
      if (to <= from) return undefined
      const t = this.ctx.store.rollups.totals(meters, from, to)
      return {
        ...t,
        coverage: Math.min(1, t.coveredMs / (meters.length * (to - from))),
        features: this.features(school, from, to, withHdd),
      }
    }
    const now = measure(month)
    if (!now) return undefined
    const last = measure(shiftMonth(month, -12))
    const history: { features: MonthFeatures; actual: number }[] = []
    for (let i = 1; i <= HISTORY_MONTHS; i++) {
      const h = measure(shiftMonth(month, -i))
      if (h && h.coverage >= MIN_TRAINING_COVERAGE && (!withHdd || h.features.hddKnown))
        history.push({ features: h.features, actual: h.used * scale })
    }
    const actual = now.used * scale
    const row: MonthlyRow = {
      school: school.id,
      utility,
      month,
      unit: utility === 'water' ? 'm3' : 'kWh',
      actual: r3(actual),
      ...(last && last.coveredMs > 0 ? { lastYear: r3(last.used * scale) } : {}),
      coverage: r3(now.coverage),
      method: 'none',
      indicative: true,
      days: r3(now.features.days),
      schoolDays: now.features.schoolDays,
      ...(withHdd && now.features.hddKnown ? { hdd: r3(now.features.hdd) } : {}),
    }
    const model = history.length >= HISTORY_MONTHS ? fitBaseline(history, withHdd) : undefined
    if (model) {
      row.modelCvRmse = r3(model.cvRmse)
      row.modelNmbe = r3(model.nmbe)
    }
    let expected: number | undefined
    if (model?.ok && (!withHdd || now.features.hddKnown)) {
      expected = Math.max(0, predict(model.coefficients, regressors(now.features, withHdd)))
      row.method = 'regression'
      row.indicative = false
    } else if (last && last.coveredMs > 0) {
      // Fallback: last year's month, scaled by school days (by days where either has none).
      const lf = last.features
      const ratio =
        lf.schoolDays > 0 && now.features.schoolDays > 0
          ? now.features.schoolDays / lf.schoolDays
          : now.features.days / lf.days
      expected = last.used * scale * ratio
      row.method = 'last_year_scaled'
    }
    if (expected !== undefined) {
      row.expected = r3(expected)
      row.savings = r3(expected - actual)
      if (expected > 0) row.savingsPct = Math.round(((expected - actual) / expected) * 1000) / 10
    }
    if (school.pupils) row.perPupil = r3(actual / school.pupils)
    if (school.floorAreaM2) row.perM2 = r3(actual / school.floorAreaM2)
    if (now.used > 0) row.outOfHoursShare = r3(now.usedUnoccupied / now.used)
    return row
  }

  /** Rows for a month: every school (or one), every utility it meters. */
  monthly(month: string, schoolId?: string): MonthlyRow[] {
    this.ctx.flush?.()
    const rows: MonthlyRow[] = []
    for (const school of this.ctx.registry.schools.values()) {
      if (schoolId && school.id !== schoolId) continue
      for (const u of UTILITIES) {
        const r = this.row(school, u, month)
        if (r) rows.push(r)
      }
    }
    return rows
  }

  /** Schools ranked by adjusted savings %; rows under 90 % coverage are listed but not ranked. */
  ranking(month: string, utility: Utility): RankingRow[] {
    const rows = this.monthly(month).filter((r) => r.utility === utility)
    const rankable = rows.filter((r) => r.coverage >= MIN_TRAINING_COVERAGE && r.savingsPct !== undefined)
    rankable.sort((a, b) => b.savingsPct! - a.savingsPct!)
    const others = rows.filter((r) => !rankable.includes(r))
    return [
      ...rankable.map((r, i) => ({ rank: (i + 1) as number | null, ...pick(r, this.ctx.registry) })),
      ...others.map((r) => ({
        rank: null,
        ...pick(r, this.ctx.registry),
        reasonCode: r.coverage < MIN_TRAINING_COVERAGE ? ('low_coverage' as const) : ('no_expected' as const),
      })),
    ]
  }
}

export interface RankingRow {
  rank: number | null
  school: string
  name: string
  utility: Utility
  month: string
  savingsPct?: number
  actual: number
  expected?: number
  unit: string
  coverage: number
  indicative: boolean
  /** Why an unranked row has no rank: `low_coverage` (under 90 %) or `no_expected` (nothing to compare with). */
  reasonCode?: 'low_coverage' | 'no_expected'
}

function pick(r: MonthlyRow, registry: Registry): Omit<RankingRow, 'rank'> {
  return {
    school: r.school,
    name: registry.schools.get(r.school)?.name ?? r.school,
    utility: r.utility,
    month: r.month,
    ...(r.savingsPct !== undefined ? { savingsPct: r.savingsPct } : {}),
    actual: r.actual,
    ...(r.expected !== undefined ? { expected: r.expected } : {}),
    unit: r.unit,
    coverage: r.coverage,
    indicative: r.indicative,
  }
}
