/**
 * The daily baseline model and its statistics on days built here, where the truth is known: the
 * candidates and balance points CalTRACK would pick, the calendar terms a school needs and a
 * building without a weekly rhythm does not get, and Guideline 14's interval.
 */
import { describe, expect, it } from 'vitest'
import type { DayType } from '../../core/calendar.js'
import { parseConfig } from '../../core/config/load.js'
import { blackoutsOf, configuredBaseline, firstYearBaseline } from '../../reports/baseline.js'
import { addDays, type SchoolDay } from '../../reports/daily.js'
import { fitDailyModel, type ModelDay, predictDay } from '../../reports/dailyModel.js'
import {
  fitMeasures,
  lag1Autocorrelation,
  savingsUncertainty,
  solveNormal,
  twoSidedP,
} from '../../reports/stats.js'
import { Rng } from '../../simulator/random.js'

const DAY = 86_400_000

/** A year of days from `start`, with a seasonal temperature and a school week. */
function year(
  start: string,
  use: (d: { t: number; dayType: DayType; i: number }) => number,
  o: { seed?: string; noise?: number; days?: number; weekly?: boolean } = {},
): ModelDay[] {
  const rng = new Rng(o.seed ?? 'daily-model')
  return Array.from({ length: o.days ?? 365 }, (_, i) => {
    const date = new Date(Date.parse(`${start}T00:00:00Z`) + i * DAY).toISOString().slice(0, 10)
    const doy =
      (Date.parse(`${date}T00:00:00Z`) - Date.parse(`${date.slice(0, 4)}-01-15T00:00:00Z`)) / (365 * DAY)
    const t = 12 - 15 * Math.cos(2 * Math.PI * doy) + rng.normal(0, 3)
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay()
    const dayType: DayType = o.weekly !== false && (weekday === 0 || weekday === 6) ? 'weekend' : 'school_day'
    const y = use({ t, dayType, i }) * (1 + rng.normal(0, o.noise ?? 0.02))
    return { date, use: y, meanC: t, dayType, boarding: false, heatingSeason: false }
  })
}

const electricity = { cooling: true, seasonSegments: false }

describe('the daily model', () => {
  it('finds the balance points and slopes of a heating and cooling load (CalTRACK candidates)', () => {
    const days = year('2025-01-01', ({ t }) => 50 + 4 * Math.max(0, 14 - t) + 6 * Math.max(0, t - 22), {
      weekly: false,
    })
    const m = fitDailyModel(days, electricity)!
    expect(m.form).toBe('hdd_cdd')
    expect(m.heatingBalanceC).toBeGreaterThanOrEqual(13)
    expect(m.heatingBalanceC).toBeLessThanOrEqual(15)
    expect(m.coolingBalanceC).toBeGreaterThanOrEqual(21)
    expect(m.coolingBalanceC).toBeLessThanOrEqual(23)
    expect(m.terms).toEqual(['intercept', 'hdd', 'cdd'])
    expect(m.coefficients[1]).toBeCloseTo(4, 0)
    expect(m.coefficients[2]).toBeCloseTo(6, 0)
    expect(m.cvRmse).toBeLessThan(0.05)
    expect(m.candidates.tried).toBeGreaterThan(500)
  })

  it('a load that ignores the weather gets the intercept-only model', () => {
    const m = fitDailyModel(
      year('2025-01-01', () => 80, { weekly: false }),
      electricity,
    )!
    expect(m.form).toBe('intercept_only')
    expect(m.coefficients[0]).toBeCloseTo(80, 0)
    expect(m.rSquaredAdj).toBeCloseTo(0, 9)
  })

  it('heat has no cooling candidates', () => {
    const m = fitDailyModel(
      year('2025-01-01', ({ t }) => 10 + 8 * Math.max(0, 16 - t), { weekly: false }),
      { cooling: false, seasonSegments: false },
    )!
    expect(m.form).toBe('hdd_only')
    expect(m.coolingBalanceC).toBeUndefined()
  })

  it('a school week enters as a calendar term, with no pair of collinear counts', () => {
    // Golden case 14's shape: 100 + 5·HDD(15.5) + 20·school day.
    const days = year(
      '2025-01-01',
      ({ t, dayType }) => 100 + 5 * Math.max(0, 15.5 - t) + (dayType === 'school_day' ? 20 : 0),
    )
    const m = fitDailyModel(days, electricity)!
    expect(m.terms).toContain('closed')
    const closed = m.coefficients[m.terms.indexOf('closed')]!
    expect(closed).toBeCloseTo(-20, -0.5)
    expect(m.coefficients[0]).toBeGreaterThan(100)
    expect(m.coefficients[0]).toBeLessThan(140)
  })

  it('no calendar term where the week does not matter', () => {
    const days = year('2025-01-01', ({ t }) => 100 + 5 * Math.max(0, 15.5 - t), { noise: 0.1 })
    expect(fitDailyModel(days, electricity)!.terms).not.toContain('closed')
  })

  it('golden case 14: a 10 % cut shows as 10 ± 1 %, in the first reporting month and the 13th', () => {
    const truth = ({ t, dayType }: { t: number; dayType: DayType }) =>
      100 + 5 * Math.max(0, 15.5 - t) + (dayType === 'school_day' ? 20 : 0)
    const all = year('2025-01-01', ({ t, dayType, i }) => truth({ t, dayType }) * (i >= 365 ? 0.9 : 1), {
      days: 365 + 396,
      seed: 'golden-14',
    })
    const m = fitDailyModel(all.slice(0, 365), electricity)!
    for (const month of ['2026-01', '2027-01']) {
      const days = all.filter((d) => d.date.startsWith(month))
      const expected = days.reduce((a, d) => a + predictDay(m, d)!, 0)
      const actual = days.reduce((a, d) => a + d.use!, 0)
      expect(Math.abs(((expected - actual) / expected) * 100 - 10), month).toBeLessThanOrEqual(1)
    }
  })

  it('heat run by the calendar: one equation in the heating season, one outside it', () => {
    const days = year('2025-01-01', () => 0, { weekly: false }).map((d, i) => {
      const season = d.date.slice(5) >= '11-15' || d.date.slice(5) <= '03-15'
      const use = season ? 200 + 30 * Math.max(0, 18 - d.meanC!) : 0
      return { ...d, heatingSeason: season, use: use * (1 + new Rng(`s${i}`).normal(0, 0.02)) }
    })
    const m = fitDailyModel(days, { cooling: false, seasonSegments: true })!
    expect(m.outOfSeason).toBeDefined()
    const july = days.find((d) => d.date === '2025-07-15')!
    expect(Math.abs(predictDay(m, july)!)).toBeLessThan(5)
    expect(m.cvRmse).toBeLessThan(0.1)
  })

  it('too few days: no model', () => {
    expect(
      fitDailyModel(
        year('2025-01-01', () => 5, { days: 20 }),
        electricity,
      ),
    ).toBeUndefined()
  })
})

describe('the statistics', () => {
  it('least squares with standard errors and p-values', () => {
    // y = 2 + 3x exactly, plus one point off the line.
    const xs = [0, 1, 2, 3, 4, 5]
    const ys = xs.map((x) => 2 + 3 * x)
    ys[5]! += 1
    const xtx = [
      [xs.length, xs.reduce((a, b) => a + b, 0)],
      [xs.reduce((a, b) => a + b, 0), xs.reduce((a, b) => a + b * b, 0)],
    ]
    const xty = [ys.reduce((a, b) => a + b, 0), ys.reduce((a, y, i) => a + y * xs[i]!, 0)]
    const fit = solveNormal(
      xtx,
      xty,
      ys.reduce((a, b) => a + b * b, 0),
      xs.length,
    )!
    expect(fit.dof).toBe(4)
    // The slope moves by (x − x̄) / Sxx for the one point off the line.
    expect(fit.coefficients[1]).toBeCloseTo(3 + 2.5 / 17.5, 9)
    expect(fit.pValues[1]).toBeLessThan(1e-4)
    expect(
      solveNormal(
        [
          [1, 2],
          [2, 4],
        ],
        [1, 2],
        1,
        5,
      ),
    ).toBeUndefined()
  })

  it('Student t: a coefficient two standard errors from zero with 30 degrees of freedom', () => {
    expect(twoSidedP(2, 1, 30)).toBeCloseTo(0.0546, 3)
  })

  it('Guideline 14 measures and the residuals’ autocorrelation', () => {
    const m = fitMeasures([10, 12, 8, 10], [11, 11, 9, 9], 1)!
    expect(m.rmse).toBeCloseTo(Math.sqrt(4 / 3), 9)
    expect(m.cvRmse).toBeCloseTo(Math.sqrt(4 / 3) / 10, 9)
    expect(m.nmbe).toBeCloseTo(0, 9)
    expect(lag1Autocorrelation([1, 2, 3, 4, 5])).toBeCloseTo(1, 9)
    expect(lag1Autocorrelation([1, -1, 1, -1, 1, -1])).toBeCloseTo(-1, 9)
  })

  it('the savings interval is Guideline 14’s: t · k(m) · RMSE · √(m · n/n′ · (1 + 2/n′))', () => {
    const basis = { n: 365, parameters: 3, autocorrelation: 0.2 }
    const nPrime = (365 * 0.8) / 1.2
    const k = -0.00024 + 0.03535 + 1.00286
    // 30 days at RMSE 10: t at 0.95 with n′ − p degrees of freedom.
    const u = savingsUncertainty(basis, [{ days: 30, rmse: 10 }])!
    const t = 1.6512 // Student t, 0.95, 240 degrees of freedom
    expect(u).toBeCloseTo(t * k * 10 * Math.sqrt(30 * (365 / nPrime) * (1 + 2 / nPrime)), 0)
    // Two stretches add their spreads.
    const both = savingsUncertainty(basis, [
      { days: 30, rmse: 10 },
      { days: 30, rmse: 20 },
    ])!
    expect(both).toBeGreaterThan(u * Math.sqrt(5) * 0.99)
    expect(savingsUncertainty({ ...basis, autocorrelation: 1 }, [{ days: 30, rmse: 10 }])).toBeUndefined()
  })
})

describe('the baseline period', () => {
  const school = (savings: string) =>
    parseConfig(`defaults:
  savings: { programmeStart: "2026-03-01" }
schools:
  - id: a
    name: A
${savings}
    buildings:
      - id: b
        use: teaching
`).registry.schools.get('a')!

  it('a programme start: the 12 months before it; a utility of its own; the district default', () => {
    const s = school(`    savings:
      programmeStart: "2026-09-01"
      heat: { baseline: { from: "2025-11-15", to: "2026-11-14" } }
      interventions:
        - { name: Boiler, start: "2026-10-08", end: "2026-10-20", utilities: [heat] }
        - { name: Campaign, start: "2026-09-01" }`)
    expect(configuredBaseline(s, 'electricity')).toEqual({
      from: '2025-09-01',
      to: '2026-08-31',
      source: 'programme_start',
    })
    expect(configuredBaseline(s, 'heat')).toEqual({
      from: '2025-11-15',
      to: '2026-11-14',
      source: 'configured',
    })
    expect(blackoutsOf(s, 'heat').map((b) => [b.from, b.to])).toEqual([
      ['2026-10-08', '2026-10-20'],
      ['2026-09-01', '2026-09-01'],
    ])
    expect(blackoutsOf(s, 'water')).toHaveLength(1)
    expect(configuredBaseline(school(''), 'water')).toMatchObject({ from: '2025-03-01', to: '2026-02-28' })
  })

  it('by default, the first 12 complete months with data, skipping a slow start', () => {
    const day = (date: string, coverage: number) =>
      ({
        date,
        coverage,
        use: coverage >= 0.9 ? 1 : undefined,
        total: 1,
        start: 0,
        end: 0,
        blackout: false,
        dayType: 'school_day',
        boarding: false,
        heatingSeason: false,
      }) as SchoolDay
    const days: SchoolDay[] = []
    for (let d = '2025-08-20'; d <= '2026-12-31'; d = addDays(d, 1))
      // September is the meter's slow start: a few days of data only.
      days.push(day(d, d.startsWith('2025-09') && d > '2025-09-05' ? 0 : 1))
    expect(firstYearBaseline(days)).toEqual({ from: '2025-10-01', to: '2026-09-30', source: 'first_year' })
    expect(firstYearBaseline(days.map((d) => ({ ...d, coverage: 0, use: undefined })))).toBeUndefined()
  })
})
