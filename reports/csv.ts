/** CSV that opens cleanly in a spreadsheet: UTF-8 with a byte-order mark (Excel needs it for Chinese names), CRLF lines, RFC 4180 quoting. */
export function toCsv(rows: Record<string, unknown>[], columns: string[]): string {
  const cell = (v: unknown) => {
    if (v === undefined || v === null) return ''
    const s = Array.isArray(v) ? v.join(' ') : String(v)
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
  // savings
  'savingsPctLow',
  'savingsPctHigh',
  'gate',
]
