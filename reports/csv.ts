/**
 * A text cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or carriage return
 * first) gets a `'` in front, as OWASP's CSV injection guidance says; numbers are left as numbers.
 */
export function csvText(v: unknown): string {
  if (v === undefined || v === null) return ''
  const s = String(v)
  return typeof v !== 'number' && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
}

/** CSV that opens cleanly in a spreadsheet: UTF-8 with a byte-order mark (Excel needs it for Chinese names), CRLF lines, RFC 4180 quoting, no formulas. */
export function toCsv(rows: Record<string, unknown>[], columns: string[]): string {
  const cell = (v: unknown) => {
    const s = csvText(v)
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  return `\uFEFF${[columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\r\n')}\r\n`
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
]

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
]
