/**
 * Reports as a person reads them — CSV for spreadsheets, tables for a terminal — with column
 * names and values (utility, method, yes/no, gates and their reasons) in their language. The JSON
 * is the machine format; a CSV with `headers: 'keys'` is too: the JSON's keys as column names and
 * its values as they are.
 */
import { formatTable } from '../core/cli.js'
import { formatNumber, formatQuantity, type Locale, type MessageKey, t } from '../core/i18n/index.js'
import type { RankingReason, RankingRow } from './monthly.js'

/**
 * A text cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or carriage return
 * first) gets a `'` in front, as OWASP's CSV injection guidance says; numbers are left as numbers.
 */
export function csvText(v: unknown): string {
  if (v === undefined || v === null) return ''
  const s = String(v)
  return typeof v !== 'number' && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
}

export const MONTHLY_COLUMNS = [
  'school',
  'name',
  'utility',
  'month',
  'unit',
  'actual',
  'lastYear',
  'expected',
  'savings',
  'savingsPct',
  'perPupil',
  'perM2',
  'outOfHoursShare',
  'coverage',
  'method',
  'indicative',
  // savings
  'savingsLow',
  'savingsHigh',
  'savingsPctLow',
  'savingsPctHigh',
  'fsu',
  'gate',
  'gateReasons',
  'baselineFrom',
  'baselineTo',
  'reportingFrom',
  'cumulativeSavings',
  'cumulativeSavingsPct',
  'cumulativeSavingsLow',
  'cumulativeSavingsHigh',
  'blackoutDays',
] as const

export const RANKING_COLUMNS = [
  'rank',
  'school',
  'name',
  'utility',
  'month',
  'savingsPct',
  'actual',
  'expected',
  'unit',
  'coverage',
  'indicative',
  'reason',
  'reasonCode',
  // savings
  'savingsPctLow',
  'savingsPctHigh',
  'gate',
] as const

export type ReportColumn = (typeof MONTHLY_COLUMNS)[number] | (typeof RANKING_COLUMNS)[number]

/** Columns for programs only: a person reads `reason`. */
const MACHINE_ONLY = new Set<ReportColumn>(['reasonCode'])

/** `names`: column names and values for a person, in their language; `keys`: the JSON's own. */
export type CsvHeaders = 'names' | 'keys'

const HEADERS: Record<ReportColumn, MessageKey> = {
  school: 'report.column.school',
  name: 'report.column.name',
  utility: 'report.column.utility',
  month: 'report.column.month',
  unit: 'report.column.unit',
  actual: 'report.column.actual',
  lastYear: 'report.column.lastYear',
  expected: 'report.column.expected',
  savings: 'report.column.savings',
  savingsPct: 'report.column.savingsPct',
  perPupil: 'report.column.perPupil',
  perM2: 'report.column.perM2',
  outOfHoursShare: 'report.column.outOfHoursShare',
  coverage: 'report.column.coverage',
  method: 'report.column.method',
  indicative: 'report.column.indicative',
  rank: 'report.column.rank',
  reason: 'report.column.reason',
  reasonCode: 'report.column.reasonCode',
  savingsLow: 'report.column.savingsLow',
  savingsHigh: 'report.column.savingsHigh',
  savingsPctLow: 'report.column.savingsPctLow',
  savingsPctHigh: 'report.column.savingsPctHigh',
  fsu: 'report.column.fsu',
  gate: 'report.column.gate',
  gateReasons: 'report.column.gateReasons',
  baselineFrom: 'report.column.baselineFrom',
  baselineTo: 'report.column.baselineTo',
  reportingFrom: 'report.column.reportingFrom',
  cumulativeSavings: 'report.column.cumulativeSavings',
  cumulativeSavingsPct: 'report.column.cumulativeSavingsPct',
  cumulativeSavingsLow: 'report.column.cumulativeSavingsLow',
  cumulativeSavingsHigh: 'report.column.cumulativeSavingsHigh',
  blackoutDays: 'report.column.blackoutDays',
}

/** Values that are names from a closed list, said in the reader's words. */
const VALUES: Partial<Record<ReportColumn, MessageKey>> = {
  utility: 'report.utility',
  unit: 'report.unit',
  method: 'report.method',
  indicative: 'report.yesNo',
  gate: 'savings.gate',
}

export function columnName(locale: Locale, column: ReportColumn): string {
  return t(locale, HEADERS[column])
}

/** Why a figure is not ranked, as one sentence in the reader's language. */
export function reasonsSentence(locale: Locale, reasons: readonly RankingReason[]): string {
  return reasons.map((r) => t(locale, `savings.reason.${r}`)).join(t(locale, 'savings.reason.separator'))
}

/** A cell for a person: names in their words; numbers as they are (a spreadsheet computes with them). */
function cellFor(locale: Locale, column: ReportColumn, v: unknown): string {
  if (v === undefined || v === null) return ''
  if (column === 'gateReasons' && Array.isArray(v)) return reasonsSentence(locale, v)
  const words = VALUES[column]
  if (words) return t(locale, words, { value: String(v) })
  return String(v)
}

/** A cell for a program: the JSON's value; a list as its items separated by spaces. */
function keyCell(v: unknown): string {
  if (v === undefined || v === null) return ''
  return Array.isArray(v) ? v.join(' ') : String(v)
}

/** CSV that opens cleanly in a spreadsheet: UTF-8 with a byte-order mark (Excel needs it for Chinese names), CRLF lines, RFC 4180 quoting. */
export function toCsv(
  rows: Record<string, unknown>[],
  columns: readonly ReportColumn[],
  o: { locale: Locale; headers?: CsvHeaders },
): string {
  const forPeople = o.headers !== 'keys'
  const shown = forPeople ? columns.filter((c) => !MACHINE_ONLY.has(c)) : columns
  const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
  const cell = (c: ReportColumn, v: unknown) => {
    const text = forPeople ? cellFor(o.locale, c, v) : keyCell(v)
    // Only text from the data (names, notes) can carry a formula; numbers and our own words cannot.
    return quote(typeof v === 'string' ? csvText(text) : text)
  }
  const header = shown.map((c) => quote(forPeople ? columnName(o.locale, c) : c))
  return `\uFEFF${[header.join(','), ...rows.map((r) => shown.map((c) => cell(c, r[c])).join(','))].join('\r\n')}\r\n`
}

/** Columns whose numbers are shares 0..1, shown to a person as percentages. */
const SHARES = new Set<ReportColumn>(['coverage', 'outOfHoursShare', 'fsu'])
/** Columns that are percentages already. */
const PERCENTS = new Set<ReportColumn>([
  'savingsPct',
  'savingsPctLow',
  'savingsPctHigh',
  'cumulativeSavingsPct',
])

/** Rows as an aligned table for a terminal: names in the reader's words, numbers formatted for them. */
export function toTable(
  rows: Record<string, unknown>[],
  columns: readonly ReportColumn[],
  locale: Locale,
): string {
  const shown = columns.filter((c) => !MACHINE_ONLY.has(c))
  const cell = (c: ReportColumn, v: unknown): string => {
    if (v === undefined || v === null) return ''
    if (typeof v === 'number' && c !== 'rank') {
      if (SHARES.has(c)) return formatQuantity(locale, v * 100, '%', 0)
      if (PERCENTS.has(c)) return formatQuantity(locale, v, '%', 1)
      return formatNumber(locale, v, 1)
    }
    return cellFor(locale, c, v)
  }
  return formatTable([
    shown.map((c) => columnName(locale, c)),
    ...rows.map((r) => shown.map((c) => cell(c, r[c]))),
  ])
}

/** Ranking rows with the sentence saying why an unranked row has no rank, in the reader's language. */
export function rankingView(locale: Locale, rows: RankingRow[]): (RankingRow & { reason?: string })[] {
  return rows.map((r) => (r.reasons?.length ? { ...r, reason: reasonsSentence(locale, r.reasons) } : r))
}
