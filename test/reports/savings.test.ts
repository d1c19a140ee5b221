/**
 * Monthly savings on simulated history: two like schools for two years; the first twelve
 * complete months are the baseline, then one school cuts its use by 10 % (from September 2026)
 * and the other has a cold December. Readings go through the real decoder, registers and rollups.
 */

import { describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { t } from '../../core/i18n/index.js'
import { MonthlyReports, rankingView } from '../../reports/index.js'
import { history, twoSchools } from '../helpers/reporting.js'

const h = await history({
  config: twoSchools(),
  from: '2025-08-01T00:00:00+08:00',
  to: '2027-08-01T00:00:00+08:00',
  scenario: `faults:
  - { name: Savings campaign, type: usage_change, school: south-primary, start: "2026-09-01T00:00:00+08:00", factor: 0.9 }
  - { name: Cold December, type: weather_shift, school: north-primary, start: "2026-12-01T00:00:00+08:00", end: "2027-01-01T00:00:00+08:00", deltaC: -4 }
`,
})

/** A school's monthly report, made once per month and school (each fits the daily models anew). */
const reported = new Map<string, ReturnType<typeof h.reports.monthly>>()
const row = async (month: string, school: string, utility: string) => {
  let rows = reported.get(`${month} ${school}`)
  if (!rows) {
    rows = h.reports.monthly(month, school)
    reported.set(`${month} ${school}`, rows)
  }
  return (await rows).find((r) => r.utility === utility)!
}

/** Autumn, a year boundary, spring and the summer: every month of the reporting year. */
const REPORTING = [
  '2026-09',
  '2026-10',
  '2026-11',
  '2026-12',
  '2027-01',
  '2027-02',
  '2027-03',
  '2027-04',
  '2027-05',
  '2027-06',
  '2027-07',
]

describe('monthly savings against a fixed baseline', () => {
  it('the baseline is the first 12 complete months of data, fixed', async () => {
    for (const month of ['2026-09', '2027-07'])
      expect(await row(month, 'north-primary', 'water')).toMatchObject({
        baselineFrom: '2025-08-01',
        baselineTo: '2026-07-31',
        baselineSource: 'first_year',
        reportingFrom: '2026-08-01',
      })
  })

  it.each(REPORTING)(
    '%s: a school that cut its use by 10 % shows 10 ± 2 points, its neighbour 0 ± 2',
    async (month) => {
      for (const utility of ['water', 'electricity']) {
        const south = await row(month, 'south-primary', utility)
        const north = await row(month, 'north-primary', utility)
        for (const r of [south, north]) {
          expect(r, `${month} ${r.school} ${utility}`).toMatchObject({
            method: 'daily_model',
            gate: 'pass',
            indicative: false,
          })
          expect(r.savingsPctLow!).toBeLessThan(r.savingsPct!)
          expect(r.savingsPctHigh!).toBeGreaterThan(r.savingsPct!)
        }
        expect(
          Math.abs(south.savingsPct! - 10),
          `${month} ${utility}: ${south.savingsPct}`,
        ).toBeLessThanOrEqual(2)
        expect(Math.abs(north.savingsPct!), `${month} ${utility}: ${north.savingsPct}`).toBeLessThanOrEqual(2)
      }
    },
  )

  // Heat fits the simulated buildings (thermal mass, sun, preheat and setback) more loosely than
  // water and electricity: a month's figure can be a few points off, and its interval says so.
  it('heat in the heating season, across the year boundary: 10 % and 0 % inside the 90 % intervals, the campaign ahead', async () => {
    for (const month of ['2026-12', '2027-01', '2027-02']) {
      const south = await row(month, 'south-primary', 'heat')
      const north = await row(month, 'north-primary', 'heat')
      expect(south.gate, month).toBe('pass')
      expect(north.gate, month).toBe('pass')
      expect(south.savingsPctLow!, `${month}: ${south.savingsPctLow}`).toBeLessThanOrEqual(10)
      expect(south.savingsPctHigh!, `${month}: ${south.savingsPctHigh}`).toBeGreaterThanOrEqual(10)
      expect(north.savingsPctLow!, `${month}: ${north.savingsPctLow}`).toBeLessThanOrEqual(0)
      expect(north.savingsPctHigh!, `${month}: ${north.savingsPctHigh}`).toBeGreaterThanOrEqual(0)
      expect(south.savingsPct!, month).toBeGreaterThan(north.savingsPct!)
    }
  })

  it('heat out of season: nothing used or expected, so no percentage and no rank', async () => {
    const july = await row('2027-07', 'south-primary', 'heat')
    expect(july).toMatchObject({ gate: 'fail', gateReasons: ['negligible_use'], indicative: true })
    expect(july.savingsPct).toBeUndefined()
    const december = await row('2026-12', 'south-primary', 'heat')
    expect(Math.abs(july.savings!)).toBeLessThan(december.expected! * 0.001)
  })

  it('a colder month with unchanged behaviour: heat use rises, adjusted savings stay ≈ 0 %', async () => {
    const north = await row('2026-12', 'north-primary', 'heat')
    // 4 °C colder than the December of the baseline: heat rises by more than 15 %.
    expect(north.actual).toBeGreaterThan(north.lastYear! * 1.15)
    expect(Math.abs(north.savingsPct!), `${north.savingsPct}`).toBeLessThanOrEqual(5)
  })

  it('the 13th month and later keep their savings, and they add up since the baseline', async () => {
    const july = await row('2027-07', 'south-primary', 'electricity')
    expect(Math.abs(july.savingsPct! - 10)).toBeLessThanOrEqual(2)
    // August 2026 (before the cut) dilutes the twelve months since the baseline a little.
    expect(july.cumulativeSavingsPct!).toBeGreaterThan(8)
    expect(july.cumulativeSavingsPct!).toBeLessThan(10.5)
    expect(july.cumulativeSavingsLow!).toBeLessThan(july.cumulativeSavings!)
    expect(july.cumulativeSavingsHigh!).toBeGreaterThan(july.cumulativeSavings!)
  })

  it('the ranking puts the school that saved on top; figures that fail a gate are listed without a rank, with why', async () => {
    const ranking = await h.reports.ranking('2026-10', 'water')
    expect(ranking.map((r) => [r.rank, r.school])).toEqual([
      [1, 'south-primary'],
      [2, 'north-primary'],
    ])
    expect(ranking[0]!.savingsPctLow).toBeLessThan(ranking[0]!.savingsPct!)
    const heat = await h.reports.ranking('2026-08', 'heat')
    expect(heat.every((r) => r.rank === null)).toBe(true)
    expect(heat[0]!.reasons).toEqual(['negligible_use'])
    expect(heat[0]!.reasonCode).toBe('negligible_use')
    // As a sentence in the reader's language.
    expect(rankingView('zh-CN', heat)[0]!.reason).toBe(t('zh-CN', 'savings.reason.negligible_use'))
    expect(rankingView('zh-CN', heat)[0]!.reason).toMatch(/[\u4e00-\u9fff]/)
  })

  it('months of the baseline year are not claimed as savings', async () => {
    expect(await row('2026-03', 'north-primary', 'electricity')).toMatchObject({
      gate: 'fail',
      gateReasons: ['in_baseline'],
      indicative: true,
    })
    expect((await h.reports.ranking('2026-03', 'electricity')).every((r) => r.rank === null)).toBe(true)
  })

  it('rows carry per pupil, per m², out-of-hours share and the model fit', async () => {
    const r = await row('2026-10', 'north-primary', 'electricity')
    expect(r.perPupil).toBeCloseTo(r.actual / 600, 2)
    expect(r.perM2).toBeCloseTo(r.actual / 7500, 3)
    expect(r.outOfHoursShare).toBeGreaterThan(0.2)
    expect(r.outOfHoursShare).toBeLessThan(0.8)
    expect(r.modelCvRmse).toBeLessThanOrEqual(0.15)
    expect(r.modelDailyCvRmse).toBeGreaterThan(0)
    // The school week is in the model, as a term of its own.
    expect(r.modelForm).toBeDefined()
  })
})

describe('before a baseline model is possible', async () => {
  // One school whose electricity meter was silent for two months of its first year: that baseline
  // lacks data, so its savings fall back to last year's month, labelled indicative.
  const config = parse(twoSchools()) as { schools: { id: string }[] }
  config.schools = config.schools.filter((s) => s.id === 'north-primary')
  const short = await history({
    config: stringify(config),
    from: '2025-08-01T00:00:00+08:00',
    to: '2026-11-01T00:00:00+08:00',
    scenario: `faults:
  - { name: Meter silent, type: meter_offline, meter: north-primary-E, start: "2025-10-01T00:00:00+08:00", end: "2025-12-01T00:00:00+08:00" }
`,
  })
  const r = async (month: string, utility: string) =>
    (await short.reports.monthly(month)).find((x) => x.utility === utility)!

  it('under 12 months of history: no expected consumption yet', async () => {
    // The report as it stood on 1 April 2026, eight months into the data.
    const early = new MonthlyReports({
      registry: short.registry,
      store: short.store,
      now: () => Date.parse('2026-04-01T00:00:00+08:00'),
    })
    const march = (await early.monthly('2026-03')).find((x) => x.utility === 'water')!
    expect(march).toMatchObject({ method: 'none', indicative: true, baselineFrom: '2025-08-01' })
    expect(march.savingsPct).toBeUndefined()
  })

  it('a baseline without enough data: last year’s month, weather-adjusted, labelled indicative and not ranked', async () => {
    const e = await r('2026-09', 'electricity')
    expect(e).toMatchObject({
      method: 'last_year_scaled',
      indicative: true,
      gate: 'fail',
      gateReasons: ['baseline_insufficient'],
    })
    expect(Math.abs(e.savingsPct!)).toBeLessThanOrEqual(3)
    expect((await short.reports.ranking('2026-09', 'electricity'))[0]).toMatchObject({
      rank: null,
      reasons: ['baseline_insufficient'],
    })
    // The water meter reported throughout: its baseline model stands.
    expect(await r('2026-09', 'water')).toMatchObject({ method: 'daily_model', gate: 'pass' })
  })
})
