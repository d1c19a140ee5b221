/**
 * The reports' public entry: the part (`ReportsService`: rollups on the stream and the schedules),
 * monthly savings, baselines, readiness, and what the district office reports upward.
 */
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
export { DossierError, dossierFacts, renderDossier } from './dossier.js'
export { heatingColumns, heatingWeek, mondayOf } from './heating.js'
export { renderHeatingPdf } from './heatingPdf.js'
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
export { buildPackage, PlatformError } from './platform/package.js'
export { QuotaProjections, quotaColumns } from './quotas.js'
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
export { type ReportArchive, ReportsService, type ReportsServiceOptions } from './service.js'
export { sheetCsv } from './sheet.js'
export { SubItemReports, subItemColumns } from './subitems.js'
