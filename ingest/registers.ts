/**
 * Cumulative registers → interval consumption (RULES.md, "Cumulative registers").
 *
 * - duplicates (same meter and timestamp) count once;
 * - readings out of order within the watermark are slotted in and the intervals after them
 *   recomputed, so totals match the in-order stream; older ones are stored but not counted;
 * - a drop from near the register's maximum is a rollover: delta = current + (modulus − previous);
 * - another drop below 90 % of the previous value is a reset or replacement: delta = current;
 * - a smaller dip counts 0 and keeps the high-water mark;
 * - a rise implying more than the meter's maximum rate is rejected as implausible — unless the
 *   next reading confirms the new level, which is how a replacement meter with a higher
 *   register shows itself.
 *
 * Per-meter state is a flat array of the last few readings, small enough for 100,000 meters
 * and plain JSON for snapshots.
 */
import { type Message, msg } from '../core/i18n/index.js'
import type { RegisterAnomalyType } from '../core/reading.js'
import type { Meter } from '../core/registry.js'

export interface RegisterParams {
  /** The register rolls over at this value (10^digits); unknown → no rollover detection. */
  modulus?: number
  /** Largest plausible consumption rate in register units per hour (m³/h or kW). */
  maxRatePerHour: number
  /** Out-of-order readings older than this, behind the newest, are not counted. */
  watermarkMs: number
  /** How many recent readings to remember for re-sorting. */
  maxRecent: number
}

export type AnomalyType = RegisterAnomalyType

export interface Anomaly {
  type: AnomalyType
  ts: number
  /** Register value before the event (the high-water mark). */
  previous: number
  current: number
  /** What was counted for the interval, in register units. */
  counted: number
}

export interface Revision {
  /** The earlier reading whose interval changed because a late one was slotted in before it. */
  ts: number
  from: number
  delta: number
  previousDelta: number
}

export type RegisterOutcome =
  | { type: 'first' }
  | { type: 'counted'; delta: number; from: number; anomaly?: Anomaly; revisions: Revision[] }
  | ({ type: 'duplicate' } & Watermark)
  | ({ type: 'late' } & Watermark)
  | { type: 'implausible'; detail: Message; anomaly: Anomaly }

/** Where a meter stands when a reading is not counted: what a gateway installer is told. */
export interface Watermark {
  /** The meter's newest reading. */
  latest: number
  /** Readings before this time are not counted: the newest less the watermark, or the oldest reading remembered. */
  watermark: number
}

export interface RegisterState {
  /** Recent readings, oldest first: [ts, value, highWaterMark, delta] repeated. */
  r: number[]
  /** An implausible jump waiting for a second reading to confirm it: [ts, value]. */
  pj?: [number, number]
}

const STRIDE = 4
const ROLLOVER_NEAR = 0.9
const RESET_BELOW = 0.9
/** Head-room over the meter's maximum rate: registers tick in steps, clocks jitter. */
const RATE_SLACK = 2
/** Rates are judged over at least this long, so two readings a second apart can still show a tick. */
const MIN_RATE_WINDOW_MS = 60_000

export const DEFAULT_MAX_RATE_PER_HOUR = { water: 100, electricity: 2000, heat: 10000 } as const

export function registerParams(meter: Meter, watermarkMs: number, maxRecent = 12): RegisterParams {
  const c = meter.config
  let maxRatePerHour: number
  if (meter.kind === 'water') {
    maxRatePerHour =
      c.maxFlowM3h ??
      (c.nominalFlowM3h !== undefined ? 1.25 * c.nominalFlowM3h : DEFAULT_MAX_RATE_PER_HOUR.water)
  } else if (meter.kind === 'electricity' || meter.kind === 'heat') {
    maxRatePerHour = c.maxPowerKw ?? DEFAULT_MAX_RATE_PER_HOUR[meter.kind]
  } else {
    maxRatePerHour = Number.POSITIVE_INFINITY
  }
  return {
    ...(meter.registerModulus !== undefined ? { modulus: meter.registerModulus } : {}),
    maxRatePerHour,
    watermarkMs,
    maxRecent,
  }
}

export function newRegisterState(): RegisterState {
  return { r: [] }
}

const round = (x: number): number => Math.round(x * 1e9) / 1e9

type Step = { delta: number; hw: number; anomaly?: AnomalyType } | { implausible: Message }

function allowance(p: RegisterParams, dtMs: number): number {
  return (p.maxRatePerHour * RATE_SLACK * Math.max(dtMs, MIN_RATE_WINDOW_MS)) / 3_600_000
}

/** One register step from the high-water mark `hw` (reached by `prevTs`) to `value` at `ts`. */
function step(hw: number, prevTs: number, ts: number, value: number, p: RegisterParams): Step {
  const allowed = allowance(p, ts - prevTs)
  if (value >= hw) {
    const delta = round(value - hw)
    if (delta > allowed) {
      return {
        implausible: msg('ingest.register.rise', {
          delta: String(delta),
          seconds: Math.round((ts - prevTs) / 1000),
          rate: String(p.maxRatePerHour),
        }),
      }
    }
    return { delta, hw: value }
  }
  if (p.modulus !== undefined && hw >= ROLLOVER_NEAR * p.modulus) {
    const delta = round(value + p.modulus - hw)
    if (delta > allowed)
      return { implausible: msg('ingest.register.drop', { from: String(hw), to: String(value) }) }
    return { delta, hw: value, anomaly: 'rollover' }
  }
  if (value < RESET_BELOW * hw) {
    // A register restarting from (near) zero counts what it shows; a replacement meter that
    // starts at some other reading counts nothing for the changeover interval.
    return value <= allowed
      ? { delta: round(value), hw: value, anomaly: 'reset' }
      : { delta: 0, hw: value, anomaly: 'replacement' }
  }
  return { delta: 0, hw }
}

const anomalyOf = (
  type: AnomalyType,
  ts: number,
  previous: number,
  current: number,
  counted: number,
): Anomaly => ({
  type,
  ts,
  previous,
  current,
  counted,
})

export function applyReading(
  s: RegisterState,
  ts: number,
  value: number,
  p: RegisterParams,
): RegisterOutcome {
  const r = s.r
  const n = r.length / STRIDE
  if (n === 0) {
    r.push(ts, value, value, 0)
    return { type: 'first' }
  }
  const last = (n - 1) * STRIDE
  const lastTs = r[last]!
  if (ts > lastTs) return appendReading(s, ts, value, p)

  // At or before the newest reading: a duplicate, a late one, or one to slot in.
  let i = n - 1
  while (i >= 0 && r[i * STRIDE]! > ts) i--
  const mark = { latest: lastTs, watermark: Math.max(lastTs - p.watermarkMs, r[0]!) }
  if (i >= 0 && r[i * STRIDE] === ts) return { type: 'duplicate', ...mark }
  if (i < 0 || ts < lastTs - p.watermarkMs) return { type: 'late', ...mark }
  return insertReading(s, i, ts, value, p)
}

function appendReading(s: RegisterState, ts: number, value: number, p: RegisterParams): RegisterOutcome {
  const r = s.r
  const last = r.length - STRIDE
  const prevTs = r[last]!
  const hw = r[last + 2]!
  let res = step(hw, prevTs, ts, value, p)
  let from = prevTs
  let anomaly: Anomaly | undefined
  if ('implausible' in res) {
    const pj = s.pj
    const confirm = pj && ts > pj[0] ? step(pj[1], pj[0], ts, value, p) : undefined
    if (!pj || !confirm || 'implausible' in confirm || confirm.anomaly) {
      s.pj = [ts, value]
      return {
        type: 'implausible',
        detail: res.implausible,
        anomaly: anomalyOf('implausible_jump', ts, hw, value, 0),
      }
    }
    // Two readings agree on the new level: the meter was replaced (or re-programmed).
    res = confirm
    from = pj[0]
    anomaly = anomalyOf('replacement', ts, hw, value, confirm.delta)
  } else if (res.anomaly) {
    anomaly = anomalyOf(res.anomaly, ts, hw, value, res.delta)
  }
  s.pj = undefined
  r.push(ts, value, res.hw, res.delta)
  trim(s, p)
  return { type: 'counted', delta: res.delta, from, ...(anomaly ? { anomaly } : {}), revisions: [] }
}

/** Slots a reading in after entry `i` and recomputes the intervals that follow it. */
function insertReading(
  s: RegisterState,
  i: number,
  ts: number,
  value: number,
  p: RegisterParams,
): RegisterOutcome {
  const r = s.r
  const n = r.length / STRIDE
  const prevTs = r[i * STRIDE]!
  const prevHw = r[i * STRIDE + 2]!
  const first = step(prevHw, prevTs, ts, value, p)
  if ('implausible' in first) {
    return {
      type: 'implausible',
      detail: first.implausible,
      anomaly: anomalyOf('implausible_jump', ts, prevHw, value, 0),
    }
  }
  const revisions: Revision[] = []
  const later: number[] = []
  let hw = first.hw
  let fromTs = ts
  for (let j = i + 1; j < n; j++) {
    const o = j * STRIDE
    const res = step(hw, fromTs, r[o]!, r[o + 1]!, p)
    if ('implausible' in res) {
      return {
        type: 'implausible',
        detail: msg('ingest.register.between', { detail: res.implausible }),
        anomaly: anomalyOf('implausible_jump', ts, prevHw, value, 0),
      }
    }
    if (res.delta !== r[o + 3])
      revisions.push({ ts: r[o]!, from: fromTs, delta: res.delta, previousDelta: r[o + 3]! })
    later.push(res.hw, res.delta)
    hw = res.hw
    fromTs = r[o]!
  }
  for (let j = i + 1, k = 0; j < n; j++, k += 2) {
    r[j * STRIDE + 2] = later[k]!
    r[j * STRIDE + 3] = later[k + 1]!
  }
  r.splice((i + 1) * STRIDE, 0, ts, value, first.hw, first.delta)
  trim(s, p)
  return {
    type: 'counted',
    delta: first.delta,
    from: prevTs,
    ...(first.anomaly ? { anomaly: anomalyOf(first.anomaly, ts, prevHw, value, first.delta) } : {}),
    revisions,
  }
}

function trim(s: RegisterState, p: RegisterParams): void {
  const r = s.r
  const newest = r[r.length - STRIDE]!
  let drop = 0
  let n = r.length / STRIDE
  while (n > 1 && (n > p.maxRecent || r[drop * STRIDE]! < newest - p.watermarkMs)) {
    drop++
    n--
  }
  if (drop > 0) r.splice(0, drop * STRIDE)
}

/** The newest reading's timestamp, or undefined before the first. */
export function lastRegisterTs(s: RegisterState): number | undefined {
  return s.r.length ? s.r[s.r.length - STRIDE] : undefined
}
