/**
 * The statistics behind the savings: least squares with standard errors and p-values, ASHRAE
 * Guideline 14's goodness-of-fit measures (CV(RMSE), NMBE), and its fractional savings
 * uncertainty with the autocorrelation adjustment, as OpenEEmeter (openeemeter/eemeter,
 * `metrics.py` and `derivatives.py`) computes them for daily models.
 */
import jstat from 'jstat'

const { studentt } = jstat.jStat

/** Two-sided confidence of every interval the reports give. */
export const CONFIDENCE = 0.9

export interface LeastSquares {
  coefficients: number[]
  /** Standard error of each coefficient. */
  stdErrors: number[]
  /** Two-sided p-value of each coefficient (t test against zero). */
  pValues: number[]
  /** Sum of squared residuals. */
  sse: number
  /** Degrees of freedom of the residuals: observations − coefficients. */
  dof: number
}

/**
 * Inverts a small symmetric matrix by Gauss–Jordan with partial pivoting; undefined when it is
 * singular (collinear regressors), judged relative to its largest diagonal entry.
 */
export function invert(m: readonly (readonly number[])[]): number[][] | undefined {
  const p = m.length
  const a = m.map((row, i) => [...row, ...Array.from({ length: p }, (_, j) => (i === j ? 1 : 0))])
  let scale = 0
  for (let i = 0; i < p; i++) scale = Math.max(scale, Math.abs(m[i]![i]!))
  const tiny = scale * 1e-12
  for (let c = 0; c < p; c++) {
    let pivot = c
    for (let r = c + 1; r < p; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r
    if (!(Math.abs(a[pivot]![c]!) > tiny)) return undefined
    ;[a[c], a[pivot]] = [a[pivot]!, a[c]!]
    const head = a[c]!
    const d = head[c]!
    for (let k = 0; k < 2 * p; k++) head[k]! /= d
    for (let r = 0; r < p; r++) {
      if (r === c) continue
      const row = a[r]!
      const f = row[c]!
      if (f === 0) continue
      for (let k = 0; k < 2 * p; k++) row[k]! -= f * head[k]!
    }
  }
  return a.map((row) => row.slice(p))
}

/**
 * Ordinary least squares from the sums a fit needs — XᵀX, Xᵀy, yᵀy and n — so that a grid search
 * accumulates them once per candidate and drops a regressor by taking a sub-matrix.
 */
export function solveNormal(
  xtx: readonly (readonly number[])[],
  xty: readonly number[],
  yty: number,
  n: number,
): LeastSquares | undefined {
  const p = xty.length
  const dof = n - p
  if (dof <= 0) return undefined
  const inv = invert(xtx)
  if (!inv) return undefined
  const coefficients = inv.map((row) => row.reduce((s, v, j) => s + v * xty[j]!, 0))
  const sse = Math.max(0, yty - coefficients.reduce((s, b, j) => s + b * xty[j]!, 0))
  const sigma2 = sse / dof
  const stdErrors = inv.map((row, i) => Math.sqrt(Math.max(0, row[i]! * sigma2)))
  const pValues = coefficients.map((b, i) => twoSidedP(b, stdErrors[i]!, dof))
  return { coefficients, stdErrors, pValues, sse, dof }
}

/** Two-sided p-value of a coefficient against zero. */
export function twoSidedP(estimate: number, stdError: number, dof: number): number {
  if (stdError === 0) return estimate === 0 ? 1 : 0
  return 2 * (1 - studentt.cdf(Math.abs(estimate / stdError), dof))
}

/** Student's t quantile: the t of a two-sided interval at `confidence` with `dof` degrees of freedom. */
export function tTwoSided(confidence: number, dof: number): number {
  return studentt.inv(1 - (1 - confidence) / 2, Math.max(1, dof))
}

/** Lag-1 autocorrelation of a series (Pearson's r of each value and the next), as pandas' `autocorr`. */
export function lag1Autocorrelation(x: readonly number[]): number | undefined {
  const n = x.length - 1
  if (n < 2) return undefined
  let ma = 0
  let mb = 0
  for (let i = 0; i < n; i++) {
    ma += x[i]!
    mb += x[i + 1]!
  }
  ma /= n
  mb /= n
  let sab = 0
  let saa = 0
  let sbb = 0
  for (let i = 0; i < n; i++) {
    const a = x[i]! - ma
    const b = x[i + 1]! - mb
    sab += a * b
    saa += a * a
    sbb += b * b
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : undefined
}

/** ASHRAE Guideline 14's measures of a fit: observed against predicted, `parameters` fitted. */
export interface FitMeasures {
  n: number
  mean: number
  /** Root mean squared error with n − p in the denominator. */
  rmse: number
  /** CV(RMSE): rmse / mean. */
  cvRmse: number
  /** NMBE: Σ(observed − predicted) / ((n − p) · mean). */
  nmbe: number
}

export function fitMeasures(
  observed: readonly number[],
  predicted: readonly number[],
  parameters: number,
): FitMeasures | undefined {
  const n = observed.length
  const dof = n - parameters
  if (dof <= 0) return undefined
  let sum = 0
  let sq = 0
  let bias = 0
  for (let i = 0; i < n; i++) {
    const r = observed[i]! - predicted[i]!
    sum += observed[i]!
    sq += r * r
    bias += r
  }
  const mean = sum / n
  if (!(mean > 0)) return undefined
  const rmse = Math.sqrt(sq / dof)
  return { n, mean, rmse, cvRmse: rmse / mean, nmbe: bias / (dof * mean) }
}

/** What the savings uncertainty needs to know of the baseline fit. */
export interface UncertaintyBasis {
  /** Days the baseline model was fitted on. */
  n: number
  /** Coefficients of the model (intercept included). */
  parameters: number
  /** Lag-1 autocorrelation of the daily residuals. */
  autocorrelation: number
}

/**
 * ASHRAE Guideline 14 (Annex B; Reddy and Claridge 2000): the half-width, at `confidence`, of the
 * savings over reporting days. Guideline 14 writes it for m reporting days with predicted use E as
 *
 *   U = t · k(m) · CV · E · √( (n / n′) · (1 + 2 / n′) / m )
 *
 * with n′ = n (1 − ρ) / (1 + ρ) the baseline days corrected for the autocorrelation ρ of the
 * residuals, t at n′ − p degrees of freedom, and k(m) the correction OpenEEmeter uses for daily
 * models in place of Guideline 14's 1.26, a polynomial in the reporting months m / 30. With E = m·ȳ
 * and CV = RMSE / ȳ, CV · E / √m is RMSE · √m; here each stretch of days brings the residual
 * spread of its own part of the baseline year, √(Σ mᵢ · RMSEᵢ²), so that a quiet month (a vacation,
 * a summer without heating) is not given the year's average error, nor a busy one too little.
 * Undefined when the autocorrelation makes n′ meaningless.
 */
export function savingsUncertainty(
  basis: UncertaintyBasis,
  parts: readonly { days: number; rmse: number }[],
  confidence = CONFIDENCE,
): number | undefined {
  const { n, parameters, autocorrelation: rho } = basis
  let days = 0
  let spread = 0
  for (const p of parts) {
    days += p.days
    spread += p.days * p.rmse * p.rmse
  }
  if (days <= 0 || n <= 0 || !(Math.abs(rho) < 1)) return undefined
  const nPrime = (n * (1 - rho)) / (1 + rho)
  if (nPrime - parameters < 1) return undefined
  const months = days / 30
  const k = -0.00024 * months ** 2 + 0.03535 * months + 1.00286
  const t = tTwoSided(confidence, Math.round(nPrime - parameters))
  return t * k * Math.sqrt(spread) * Math.sqrt((n / nPrime) * (1 + 2 / nPrime))
}
