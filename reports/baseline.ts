/**
 * The monthly baseline model (RULES.md, "Monthly savings"): expected consumption
 * E = a·days + b·schoolDays (+ c·HDD18 for heat), fitted by least squares on the previous 12
 * months, and judged by ASHRAE Guideline 14's limits for monthly models: CV(RMSE) ≤ 15 % and
 * |NMBE| ≤ 5 %. Methods: IPMVP Option C, ASHRAE Guideline 14, CalTRACK.
 *
 * For heat the degree days are split into those of school days and those of days off, each with
 * its own coefficient: a school heats to comfort on school days and only protects against frost
 * on the others, so one HDD coefficient misfits (on simulated schools CV(RMSE) 18 % against 4 %).
 */

export interface MonthFeatures {
  days: number
  schoolDays: number
  /** Heating degree days, base 18 °C (heat: days of the heating season only). */
  hdd: number
  /** The part of `hdd` that fell on school days. */
  hddSchool: number
}

export interface Fit {
  coefficients: number[]
  cvRmse: number
  nmbe: number
  n: number
  /** Passes ASHRAE Guideline 14's monthly limits. */
  ok: boolean
}

export const G14 = { maxCvRmse: 0.15, maxAbsNmbe: 0.05 } as const

export function regressors(f: MonthFeatures, withHdd: boolean): number[] {
  return withHdd ? [f.days, f.schoolDays, f.hdd - f.hddSchool, f.hddSchool] : [f.days, f.schoolDays]
}

/** Least squares without intercept, by the normal equations (a handful of regressors). */
export function leastSquares(x: number[][], y: number[]): number[] | undefined {
  const p = x[0]?.length ?? 0
  const a = Array.from({ length: p }, () => new Array<number>(p + 1).fill(0))
  for (let i = 0; i < x.length; i++) {
    for (let r = 0; r < p; r++) {
      for (let c = 0; c < p; c++) a[r]![c]! += x[i]![r]! * x[i]![c]!
      a[r]![p]! += x[i]![r]! * y[i]!
    }
  }
  // Gauss–Jordan with partial pivoting.
  for (let c = 0; c < p; c++) {
    let pivot = c
    for (let r = c + 1; r < p; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r
    if (Math.abs(a[pivot]![c]!) < 1e-9) return undefined
    ;[a[c], a[pivot]] = [a[pivot]!, a[c]!]
    for (let r = 0; r < p; r++) {
      if (r === c) continue
      const f = a[r]![c]! / a[c]![c]!
      for (let k = c; k <= p; k++) a[r]![k]! -= f * a[c]![k]!
    }
  }
  return a.map((row, i) => row[p]! / row[i]!)
}

export function predict(coefficients: number[], x: number[]): number {
  return coefficients.reduce((s, c, i) => s + c * x[i]!, 0)
}

export function fitBaseline(
  months: { features: MonthFeatures; actual: number }[],
  withHdd: boolean,
): Fit | undefined {
  const x = months.map((m) => regressors(m.features, withHdd))
  const y = months.map((m) => m.actual)
  const coefficients = leastSquares(x, y)
  if (!coefficients) return undefined
  const n = y.length
  const p = coefficients.length
  const mean = y.reduce((a, b) => a + b, 0) / n
  if (mean <= 0 || n <= p) return undefined
  let sq = 0
  let bias = 0
  for (let i = 0; i < n; i++) {
    const r = y[i]! - predict(coefficients, x[i]!)
    sq += r * r
    bias += r
  }
  const cvRmse = Math.sqrt(sq / (n - p)) / mean
  const nmbe = bias / ((n - p) * mean)
  return { coefficients, cvRmse, nmbe, n, ok: cvRmse <= G14.maxCvRmse && Math.abs(nmbe) <= G14.maxAbsNmbe }
}
