export {
  type BaselinePeriod,
  type BaselineResult,
  baselineFor,
  blackoutsOf,
  configuredBaseline,
  firstYearBaseline,
  G14,
} from './baseline.js'
export { MONTHLY_COLUMNS, RANKING_COLUMNS, toCsv } from './csv.js'
export { addDays, dailySeries, type SchoolDay } from './daily.js'
export { type DailyModel, fitDailyModel, type ModelDay, predictDay } from './dailyModel.js'
export {
  fitOptions,
  type GateReason,
  type Method,
  MonthlyReports,
  type MonthlyRow,
  type RankingReason,
  type RankingRow,
  shiftMonth,
  UTILITIES,
  type Utility,
} from './monthly.js'
export {
  notifyReadiness,
  READINESS_DAYS_BEFORE,
  Readiness,
  type ReadinessReport,
  renderReadiness,
} from './readiness.js'
export { Rollups } from './rollups.js'
