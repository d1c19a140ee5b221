/**
 * Savings on OpenEEmeter's reference series (test/fixtures/savings): synthetic loads on real
 * Illinois weather whose true savings are known, 10 % of what the unchanged building would have
 * used in the reporting year. Fed through the real decoder, registers and rollups as hourly
 * register readings; the baseline is 2016, the blackout 2016-12-26 … 2017-01-04 (the samples'
 * metadata), so the reporting year runs from 2017-01-05. CalTRACK (eemeter 4.1.1) measured 9.0 %
 * (electricity) and 7.6 % (gas); for 2018-01 on the gas series, 18.3 %.
 */
import { describe, expect, it } from 'vitest'
import type { MonthlyRow } from '../../reports/index.js'
import { referenceReports } from '../helpers/reference.js'

const h = await referenceReports()
const rows = (month: string) => h.reports.monthly(month)
const row = async (month: string, utility: string) => (await rows(month)).find((r) => r.utility === utility)!
const MONTHS_2017 = Array.from({ length: 12 }, (_, i) => `2017-${String(i + 1).padStart(2, '0')}`)

/** What the true savings are in the unit: the cut is 10 % of the counterfactual, so 1/9 of what was used. */
function trueSavings(r: MonthlyRow): number {
  return (r.cumulativeExpected! - r.cumulativeSavings!) / 9
}

describe('savings on the reference series with known truth (OpenEEmeter samples)', () => {
  it.each([
    { utility: 'electricity', form: 'hdd_cdd' },
    { utility: 'heat', form: 'hdd_only' },
  ])(
    '$utility: the reporting year within ±1 point of the true 10 per cent, the truth inside the 90 per cent interval',
    async ({ utility, form }) => {
      const year = await row('2017-12', utility)
      expect(year).toMatchObject({
        method: 'daily_model',
        gate: 'pass',
        baselineFrom: '2016-01-01',
        baselineTo: '2016-12-31',
        baselineSource: 'configured',
        reportingFrom: '2017-01-05',
        modelForm: form,
      })
      expect(
        Math.abs(year.cumulativeSavingsPct! - 10),
        `${utility}: ${year.cumulativeSavingsPct} %`,
      ).toBeLessThanOrEqual(1)
      const truth = trueSavings(year)
      expect(year.cumulativeSavingsLow!).toBeLessThan(truth)
      expect(year.cumulativeSavingsHigh!).toBeGreaterThan(truth)
      // An interval of a few points, as CalTRACK's (± 313 kWh of ~9,900; ± 1,255 kWh of ~30,000).
      const halfWidthPct =
        ((year.cumulativeSavingsHigh! - year.cumulativeSavingsLow!) / 2 / year.cumulativeExpected!) * 100
      expect(halfWidthPct).toBeGreaterThan(1)
      expect(halfWidthPct).toBeLessThan(5)
    },
  )

  it('the 13th month keeps its savings: gas in 2018-01 within ±3 points of CalTRACK’s 18.3 %', async () => {
    const january = await row('2018-01', 'heat')
    expect(january.gate).toBe('pass')
    expect(Math.abs(january.savingsPct! - 18.3), `${january.savingsPct} %`).toBeLessThanOrEqual(3)
    expect(january.savingsPctLow!).toBeLessThan(january.savingsPct!)
    expect(january.savingsPctHigh!).toBeGreaterThan(january.savingsPct!)
  })

  it('every month of the reporting year has expected use, savings and a 90 % interval, and passes', async () => {
    for (const month of MONTHS_2017) {
      for (const r of await rows(month)) {
        expect(r, `${month} ${r.utility}`).toMatchObject({
          method: 'daily_model',
          gate: 'pass',
          indicative: false,
        })
        expect(r.savings).toBeCloseTo(r.expected! - r.actual, 2)
        expect(r.savingsLow!).toBeLessThan(r.savings!)
        expect(r.savingsHigh!).toBeGreaterThan(r.savings!)
        expect(r.fsu).toBeCloseTo((r.savingsHigh! - r.savings!) / Math.abs(r.savings!), 2)
      }
    }
    // January's four blackout days count as neither savings nor waste.
    expect((await row('2017-01', 'electricity')).blackoutDays).toBe(4)
  })

  it('the baseline year is not claimed as savings, and its fit meets Guideline 14', async () => {
    const june = await row('2016-06', 'electricity')
    expect(june).toMatchObject({ gate: 'fail', gateReasons: ['in_baseline'], indicative: true })
    expect(june.modelCvRmse!).toBeLessThanOrEqual(0.15)
    expect(Math.abs(june.modelNmbe!)).toBeLessThanOrEqual(0.05)
    // Before the baseline: a backcast, not ranked either.
    expect((await row('2015-12', 'electricity')).gateReasons).toEqual(['before_baseline'])
  })

  it('the model is fitted once and kept: a second report reads it from the store', async () => {
    const kept = (await h.store.baselines.get('il-reference', 'electricity'))!
    expect(kept).toMatchObject({ from: '2016-01-01', to: '2016-12-31' })
    await rows('2017-03')
    expect((await h.store.baselines.get('il-reference', 'electricity'))!.fittedAt).toBe(kept.fittedAt)
  })
})
