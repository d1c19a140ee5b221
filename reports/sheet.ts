/**
 * The district reports (sub-items, heating compliance, quotas) as CSV and terminal tables: each
 * column names its header in the catalogues and how a row's cell reads for a person. The same
 * CSV conventions as the monthly report (reports/csv.ts): UTF-8 with a byte-order mark, CRLF,
 * RFC 4180 quoting, no formulas from data.
 */
import { formatTable } from '../core/cli.js'
import { formatNumber, type Locale, type MessageKey, t } from '../core/i18n/index.js'
import { csvText } from './csv.js'

export interface Column<R> {
  header: MessageKey
  /** The cell: a number stays a number in CSV; text is said in the reader's words. */
  cell: (row: R, locale: Locale) => string | number | undefined
  /** Decimals of a number in a table (default 1). */
  decimals?: number
}

const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)

export function sheetCsv<R>(rows: readonly R[], columns: readonly Column<R>[], locale: Locale): string {
  const line = (cells: string[]) => cells.map(quote).join(',')
  const header = line(columns.map((c) => t(locale, c.header)))
  const body = rows.map((r) =>
    line(
      columns.map((c) => {
        const v = c.cell(r, locale)
        return v === undefined ? '' : typeof v === 'number' ? String(v) : csvText(v)
      }),
    ),
  )
  return `\uFEFF${[header, ...body].join('\r\n')}\r\n`
}

export function sheetTable<R>(rows: readonly R[], columns: readonly Column<R>[], locale: Locale): string {
  return formatTable([
    columns.map((c) => t(locale, c.header)),
    ...rows.map((r) =>
      columns.map((c) => {
        const v = c.cell(r, locale)
        return v === undefined ? '' : typeof v === 'number' ? formatNumber(locale, v, c.decimals ?? 1) : v
      }),
    ),
  ])
}
