export { fitBaseline, leastSquares, type MonthFeatures } from './baseline.js'
export {
  type CsvHeaders,
  MONTHLY_COLUMNS,
  RANKING_COLUMNS,
  type ReportColumn,
  rankingView,
  toCsv,
  toTable,
} from './csv.js'
export {
  MonthlyReports,
  type MonthlyRow,
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
