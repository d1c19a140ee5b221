/**
 * Monthly savings on simulated history: two like schools for 17 months; one cuts its use by 10 %
 * from October 2026, the other has a cold December. Readings go through the real decoder,
 * registers and rollups.
 */
import { describe, expect, it } from 'vitest'
import { history, twoSchools } from '../helpers/reporting.js'

const h = history({
  config: twoSchools(),
  from: '2025-08-01T00:00:00+08:00',
  to: '2027-01-01T00:00:00+08:00',
  scenario: `faults:
  - { name: Savings campaign, type: usage_change, school: south-primary, start: "2026-10-01T00:00:00+08:00", factor: 0.9 }
  - { name: Cold December, type: weather_shift, school: north-primary, start: "2026-12-01T00:00:00+08:00", end: "2027-01-01T00:00:00+08:00", deltaC: -4 }
`,
})

const row = (month: string, school: string, utility: string) =>
  h.reports.monthly(month, school).find((r) => r.utility === utility)!

describe('monthly savings', () => {
  it('a school that cut its use by 10 % shows 10 % ± 2 points; its neighbour 0 ± 2', () => {
    for (const utility of ['water', 'electricity']) {
      const south = row('2026-10', 'south-primary', utility)
      const north = row('2026-10', 'north-primary', utility)
      expect(south, utility).toMatchObject({ method: 'regression', indicative: false, coverage: 1 })
      expect(Math.abs(south.savingsPct! - 10), `${utility}: ${south.savingsPct}`).toBeLessThanOrEqual(2)
      expect(Math.abs(north.savingsPct!), `${utility}: ${north.savingsPct}`).toBeLessThanOrEqual(2)
    }
  })

  it('the ranking puts the school that saved on top', () => {
    const ranking = h.reports.ranking('2026-10', 'water')
    expect(ranking.map((r) => [r.rank, r.school])).toEqual([
      [1, 'south-primary'],
      [2, 'north-primary'],
    ])
  })

  it('a colder month with unchanged behaviour: heat use rises, adjusted savings stay ≈ 0 %', () => {
    const north = row('2026-12', 'north-primary', 'heat')
    expect(north.method).toBe('regression')
    // 4 °C colder than usual: colder than any month the model was fitted on, so a few points of
    // extrapolation error remain against a raw rise of more than 15 %.
    expect(north.actual).toBeGreaterThan(north.lastYear! * 1.15)
    expect(Math.abs(north.savingsPct!), `${north.savingsPct}`).toBeLessThanOrEqual(5)
    const south = row('2026-12', 'south-primary', 'heat')
    expect(Math.abs(south.savingsPct! - 10), `${south.savingsPct}`).toBeLessThanOrEqual(3)
  })

  it('rows carry per pupil, per m², out-of-hours share and the model fit', () => {
    const r = row('2026-10', 'north-primary', 'electricity')
    expect(r.perPupil).toBeCloseTo(r.actual / 600, 2)
    expect(r.perM2).toBeCloseTo(r.actual / 7500, 3)
    expect(r.outOfHoursShare).toBeGreaterThan(0.2)
    expect(r.outOfHoursShare).toBeLessThan(0.8)
    expect(r.modelCvRmse).toBeLessThanOrEqual(0.15)
  })

  it('with under 12 months of history the result is indicative', () => {
    const r = row('2026-03', 'north-primary', 'water')
    expect(r).toMatchObject({ indicative: true })
  })
})
