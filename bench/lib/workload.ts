/**
 * The benchmark district and the readings it sends, shared by the registry the service loads and
 * the load generator that publishes: `schools` schools of `metersPerSchool` water meters, in
 * groups of 100 (one gateway batch). Every reading is unique (meter, timestamp), so InfluxDB
 * keeps one point for each and `count()` after a run tells exactly what was lost.
 *
 * The water mostly stands still (one reading in ten carries 2.5 L), so the rules run on every
 * reading but raise no alerts: a throughput figure measures the pipeline, not an alert storm.
 */

export const GROUP = 100
export const STEP_MS = 60_000

export interface Workload {
  schools: number
  metersPerSchool: number
  /** Meters that only ever get a register reset, one alert each (the latency scenario). */
  faultMeters?: number
  /** Expected interval of the meters, s (the registry's `intervalSeconds`). */
  intervalSeconds?: number
}

export const schoolId = (s: number): string => `bench-${s}`
export const meterId = (m: number, perSchool: number): string =>
  `W${Math.floor(m / perSchool)}-${m % perSchool}`
export const faultMeterId = (f: number): string => `F${f}`

/** The registry as JSON (YAML of 100,000 meters parses slowly; CONFIG takes either). */
export function registryJson(w: Workload): string {
  const weekday = ['07:30-17:30']
  const schools = []
  for (let s = 0; s < w.schools; s++) {
    const meters: Record<string, unknown>[] = []
    for (let j = 0; j < w.metersPerSchool; j++) {
      meters.push({
        id: meterId(s * w.metersPerSchool + j, w.metersPerSchool),
        kind: 'water',
        ...(w.intervalSeconds ? { intervalSeconds: w.intervalSeconds } : {}),
      })
    }
    if (s === 0)
      for (let f = 0; f < (w.faultMeters ?? 0); f++) meters.push({ id: faultMeterId(f), kind: 'water' })
    schools.push({
      id: schoolId(s),
      name: `Bench School ${s}`,
      timezone: 'Asia/Shanghai',
      calendar: {
        weeklyHours: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
      },
      buildings: [{ id: 'main', use: 'teaching', meters }],
    })
  }
  return JSON.stringify({ schools })
}

/**
 * What each use draws, litres, in turn: uses of different sizes, as taps and flushes are. Equal uses
 * at a steady pace in an empty building are what water.cistern_refill calls a leaking flapper, and
 * every meter would raise an alert.
 */
const USES = [1.5, 2.5, 4, 3]
const CYCLE = USES.reduce((a, b) => a + b, 0)

/** Litres of meter `m`'s first `n` uses. */
function usedLitres(m: number, n: number): number {
  let litres = CYCLE * Math.floor(n / USES.length)
  for (let i = n - (n % USES.length); i < n; i++) litres += USES[(i + m) % USES.length]!
  return litres
}

/**
 * Volume and flow of meter `m` at step `k`: still, except one step in ten with a use of 1.5–4 L.
 * `still`: the flow is reported as 0 even then — for hourly readings, where a flow seen at one
 * reading would count as an hour of running water and raise water.after_hours_flow.
 */
export function readingValues(m: number, k: number, still = false): { volume: string; flow: string } {
  const phase = m % 10
  const flowing = !still && (m + k) % 10 === 0
  const uses = Math.floor((k + phase) / 10)
  const flow = flowing && uses > 0 ? USES[(uses - 1 + m) % USES.length]! : 0
  return { volume: String(100 + usedLitres(m, uses) / 1000), flow: String(flow) }
}

/** The first event time a run may use, so that `steps` steps per meter end a minute before now. */
export function firstTs(steps: number, now = Date.now()): number {
  return Math.floor(now / STEP_MS) * STEP_MS - (steps + 2) * STEP_MS
}
