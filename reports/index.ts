export {
  type BaselinePeriod,
  type BaselineResult,
  baselineFor,
  blackoutsOf,
  configuredBaseline,
  firstYearBaseline,
  G14,
} from './baseline.js'
export {
  type CsvHeaders,
  MONTHLY_COLUMNS,
  RANKING_COLUMNS,
  type ReportColumn,
  rankingView,
  toCsv,
  toTable,
} from './csv.js'
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
  checklistLines,
  itemLine,
  notifyReadiness,
  READINESS_DAYS_BEFORE,
  Readiness,
  type ReadinessReport,
  readinessHeadline,
  renderReadiness,
} from './readiness.js'
export { Rollups } from './rollups.js'
