import { describe, expect, it } from 'vitest'
import { fitBaseline, leastSquares } from '../../reports/baseline.js'
import { Rng } from '../../simulator/random.js'

describe('the baseline model', () => {
  it('least squares recovers known coefficients', () => {
    const x = [
      [31, 22],
      [30, 20],
      [31, 5],
      [28, 18],
    ]
    const y = x.map(([d, s]) => 100 * d! + 40 * s!)
    expect(leastSquares(x, y)!.map((c) => Math.round(c * 1e6) / 1e6)).toEqual([100, 40])
    expect(
      leastSquares(
        [
          [1, 2],
          [2, 4],
        ],
        [1, 2],
      ),
    ).toBeUndefined()
  })

  it('golden case 14: E = 100·days + 5·HDD + noise, then a 10 % cut → savings ≈ 10 %', () => {
    const rng = new Rng('golden-14')
    const months = Array.from({ length: 13 }, (_, i) => {
      const days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][i % 12]!
      const hdd = [600, 520, 380, 200, 60, 0, 0, 0, 30, 180, 380, 560][i % 12]!
      const schoolDays = [20, 8, 22, 21, 18, 21, 3, 0, 22, 17, 21, 23][i % 12]!
      const features = { days, schoolDays, hdd, hddSchool: (hdd * schoolDays) / days }
      return { features, actual: (100 * days + 5 * hdd) * (1 + rng.normal(0, 0.01)) }
    })
    const model = fitBaseline(months.slice(0, 12), true)!
    expect(model.ok).toBe(true)
    expect(model.cvRmse).toBeLessThan(0.05)
    const target = months[12]!
    const expected = model.coefficients.reduce(
      (s, c, i) =>
        s +
        c *
          [
            target.features.days,
            target.features.schoolDays,
            target.features.hdd - target.features.hddSchool,
            target.features.hddSchool,
          ][i]!,
      0,
    )
    const actual = target.actual * 0.9
    expect(((expected - actual) / expected) * 100).toBeCloseTo(10, 0)
  })

  it('judges fit by ASHRAE Guideline 14: CV(RMSE) ≤ 15 % and |NMBE| ≤ 5 %', () => {
    const rng = new Rng('noisy')
    const months = Array.from({ length: 12 }, (_, i) => ({
      features: { days: 30, schoolDays: i % 2 ? 20 : 5, hdd: 0, hddSchool: 0 },
      actual: 1000 * (1 + rng.normal(0, 0.4)),
    }))
    const model = fitBaseline(months, false)!
    expect(model.cvRmse).toBeGreaterThan(0.15)
    expect(model.ok).toBe(false)
  })
})
