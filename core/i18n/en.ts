/**
 * The English catalogue, and the list of every message key: `zh-CN.ts` must translate each one
 * (the compiler and test/core/i18n.test.ts check). ICU MessageFormat:
 * https://unicode-org.github.io/icu/userguide/format_parse/messages/
 */
export const en = {
  'common.unknown': 'unknown',
  // savings
  'savings.reason.separator': '; ',
  'savings.reason.baseline_incomplete':
    'the baseline period is not complete yet: savings need 12 months of data to compare with',
  'savings.reason.baseline_insufficient':
    'too few days with readings in the baseline period (90 % of the days, and half of every month, are needed)',
  'savings.reason.no_model':
    'no baseline model qualified: the weather and calendar did not explain the use well enough',
  'savings.reason.model_cv_rmse':
    'the baseline model misses monthly use by more than ASHRAE Guideline 14 allows (CV(RMSE) above 15 %)',
  'savings.reason.model_nmbe': 'the baseline model is biased beyond ASHRAE Guideline 14 (NMBE beyond ±5 %)',
  'savings.reason.before_baseline': 'the month lies before the baseline period',
  'savings.reason.in_baseline': 'the month lies in the baseline period: no savings are claimed for it',
  'savings.reason.coverage': 'meters covered less than 90 % of the month',
  'savings.reason.weather_missing': 'the outdoor temperature is missing on more than 10 % of the days',
  'savings.reason.season_fit': 'the baseline model missed this month of the baseline year by more than 15 %',
  'savings.reason.negligible_use':
    'almost nothing was used or expected this month (heating out of season): no percentage to rank',
  'savings.reason.no_expected': 'no expected consumption',
  'savings.cli.notRanked': '{school} {utility}: not ranked: {reasons}',
  'savings.cli.interval': '{school} {utility}: savings {pct} % (90 % interval {low} … {high} %), {method}',
  'savings.method.daily_model': 'baseline model',
  'savings.method.last_year_scaled': "indicative: last year's month, adjusted for school days and weather",
  'savings.method.none': 'no expected consumption',
  'savings.dashboard.row': 'Savings',
  'savings.dashboard.savings': 'Savings against the baseline, with 90 % interval',
  'savings.dashboard.savingsDescription':
    'Monthly rows of the savings report (measurement monthly_report): savings in % of expected use, the ' +
    '90 % interval of ASHRAE Guideline 14, savings since the baseline, and whether the figure passes the gates ' +
    '(fail: not ranked, see the report for why).',
  'savings.dashboard.school': 'School',
  'savings.dashboard.utility': 'Utility',
  'savings.dashboard.savingsPct': 'Savings %',
  'savings.dashboard.low': 'Low (90 %)',
  'savings.dashboard.high': 'High (90 %)',
  'savings.dashboard.cumulative': 'Since baseline %',
  'savings.dashboard.gate': 'Gate',
  'savings.dashboard.method': 'Method',
} as const satisfies Record<string, string>
