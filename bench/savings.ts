/**
 * `npm run evaluate:savings`: the monthly savings on OpenEEmeter's reference series
 * (test/fixtures/savings, true savings 10 %), fed through ingest and rollups as the test does,
 * printed per series and month — actual, predicted, savings, 90 % interval — with the reporting
 * year against the truth and against CalTRACK's figures. Markdown, for notes and issues.
 */
import { toolCommandLine } from '../core/cli.js'
import { startupLocale } from '../core/config/load.js'
import type { MonthlyRow } from '../reports/index.js'
import { referenceReports } from '../test/helpers/reference.js'

const CALTRACK: Record<string, { year: string; january?: string }> = {
  electricity: { year: '9.0 % (889 kWh ± 313)' },
  heat: { year: '7.6 % (2,285 kWh ± 1,255)', january: '18.3 % (1,338 kWh)' },
}
const SERIES: Record<string, string> = {
  electricity: 'il-electricity-cdd-hdd-hourly (kWh)',
  heat: 'il-gas-hdd-only-hourly (as heat, kWh)',
}

const n = (v: number | undefined, digits = 0) =>
  v === undefined
    ? ''
    : v.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits })

async function main(): Promise<void> {
  const began = performance.now()
  const { reports } = await referenceReports()
  const months = [
    ...Array.from({ length: 12 }, (_, i) => `2017-${String(i + 1).padStart(2, '0')}`),
    '2018-01',
  ]
  const rows: MonthlyRow[] = []
  for (const m of months) rows.push(...(await reports.monthly(m)))
  for (const utility of ['electricity', 'heat']) {
    const mine = rows.filter((r) => r.utility === utility)
    const first = mine[0]!
    console.log(`\n### ${SERIES[utility]}\n`)
    console.log(
      `Baseline ${first.baselineFrom} … ${first.baselineTo}; model ${first.modelForm}, degree days ${first.modelDegreeDays}` +
        `${first.heatingBalanceC !== undefined ? `, T_H ${first.heatingBalanceC} °C` : ''}` +
        `${first.coolingBalanceC !== undefined ? `, T_C ${first.coolingBalanceC} °C` : ''}; daily CV(RMSE) ${first.modelDailyCvRmse}, ` +
        `monthly sums CV(RMSE) ${first.modelCvRmse}, NMBE ${first.modelNmbe}; savings count from ${first.reportingFrom}.\n`,
    )
    console.log('| month | actual | predicted | savings | savings % | 90 % interval | gate |')
    console.log('|---|---:|---:|---:|---:|---|---|')
    for (const r of mine)
      console.log(
        `| ${r.month} | ${n(r.actual)} | ${n(r.expected)} | ${n(r.savings)} | ${n(r.savingsPct, 1)} | ` +
          `${n(r.savingsLow)} … ${n(r.savingsHigh)} kWh (${n(r.savingsPctLow, 1)} … ${n(r.savingsPctHigh, 1)} %) | ${r.gate}${r.blackoutDays ? `, ${r.blackoutDays} blackout days` : ''} |`,
      )
    const year = mine.find((r) => r.month === '2017-12')!
    const truth = (year.cumulativeExpected! - year.cumulativeSavings!) / 9
    console.log(
      `\nReporting year (${year.reportingFrom} … 2017-12-31): predicted ${n(year.cumulativeExpected)}, savings ` +
        `${n(year.cumulativeSavings)} kWh = ${n(year.cumulativeSavingsPct, 1)} %, 90 % interval ${n(year.cumulativeSavingsLow)} … ` +
        `${n(year.cumulativeSavingsHigh)} kWh; true savings ${n(truth)} kWh = 10 %; CalTRACK ${CALTRACK[utility]!.year}.`,
    )
    const january = mine.find((r) => r.month === '2018-01')!
    if (CALTRACK[utility]!.january)
      console.log(
        `2018-01: ${n(january.savingsPct, 1)} % (${n(january.savings)} kWh); CalTRACK ${CALTRACK[utility]!.january}.`,
      )
  }
  console.log(`\n(${((performance.now() - began) / 1000).toFixed(1)} s)`)
}

toolCommandLine(
  { options: { help: { type: 'boolean', short: 'h' } } },
  { script: 'evaluate:savings', usage: 'savings.evaluate.usage', locale: startupLocale() },
)
await main()
