export { fitBaseline, leastSquares, type MonthFeatures } from './baseline.js'
export { MONTHLY_COLUMNS, RANKING_COLUMNS, toCsv } from './csv.js'
export {
  MonthlyReports,
  type MonthlyRow,
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
