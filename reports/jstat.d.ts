/** The part of jStat (zero-dependency statistics, MIT) the reports use; the package ships no types. */
declare module 'jstat' {
  interface StudentT {
    /** Cumulative distribution function of Student's t with `dof` degrees of freedom. */
    cdf(x: number, dof: number): number
    /** Quantile (inverse CDF). */
    inv(p: number, dof: number): number
  }
  const jstat: { jStat: { studentt: StudentT } }
  export default jstat
}
