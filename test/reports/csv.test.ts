/** CSV exports (API and `npm run report -- --csv` alike go through toCsv): no cell runs as a formula. */
import { describe, expect, it } from 'vitest'
import { csvText, toCsv } from '../../reports/csv.js'

describe('CSV injection (OWASP)', () => {
  it('a text cell starting with = + - @ tab or CR gets a quote in front; numbers stay numbers', () => {
    const rows = [
      { school: '=HYPERLINK("http://evil.example","click")', name: '+1+cmd|/C calc!A0', savings: -12.5 },
      { school: '-2+3', name: '@SUM(A1:A2)', savings: 3 },
      { school: '\tx', name: '\r=1', savings: 0 },
      { school: 'sunshine-primary', name: '阳光小学 (Sunshine) = best', savings: -0.25 },
    ]
    const lines = toCsv(rows, ['school', 'name', 'savings'], { locale: 'en', headers: 'keys' })
      .slice(1)
      .trimEnd()
      .split('\r\n')
    expect(lines).toEqual([
      'school,name,savings',
      `"'=HYPERLINK(""http://evil.example"",""click"")",'+1+cmd|/C calc!A0,-12.5`,
      "'-2+3,'@SUM(A1:A2),3",
      `'\tx,"'\r=1",0`,
      'sunshine-primary,阳光小学 (Sunshine) = best,-0.25',
    ])
  })

  it('leaves everything else as it was', () => {
    expect(csvText('north-primary')).toBe('north-primary')
    expect(csvText(-3)).toBe('-3')
    expect(csvText(undefined)).toBe('')
    expect(csvText(null)).toBe('')
    expect(csvText(true)).toBe('true')
  })
})
