/**
 * What a rule is: a small state machine over one meter's readings in event time. It gets each
 * reading with the context every rule needs (occupancy, day type, heating season, outdoor
 * temperature) and answers with a verdict — active with evidence, inactive, or nothing to say.
 * The engine turns verdict changes into alert transitions; rules never touch alerts, clocks or I/O.
 */
import type { TSchema } from 'typebox'
import type { LocalTime, Occupancy, SchoolCalendar } from '../core/calendar.js'
import type { Message, MessageKey, MessageParams } from '../core/i18n/index.js'
import type { MeterKind, ReadingValues } from '../core/kinds.js'
import type { Building, Meter } from '../core/registry.js'

export { spread } from '../core/time.js'

export const RULE_IDS = [
  'water.continuous_flow',
  'water.after_hours_flow',
  'water.burst',
  'water.night_flow',
  'water.cistern_refill',
  'electricity.high_power_appliance',
  'electricity.after_hours',
  'heat.unoccupied_heating',
  'heat.frost_risk',
  'heat.low_delta_t',
  'heat.no_heat',
  'heat.overheating',
  'meter.offline',
  'meter.register_anomaly',
] as const
export type RuleId = (typeof RULE_IDS)[number]

export type Severity = 'info' | 'warning' | 'critical'
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 }

/** The numbers behind an alert: rates, durations, litres or kWh per day, cost. */
export type Evidence = Record<string, number | string | boolean>

export interface RuleInput {
  meter: Meter
  ts: number
  values: ReadingValues
  /** Consumption since the previous counted reading, L (water) or kWh. */
  used?: number
  usedFrom?: number
  estimated: boolean
  /** Occupancy of the meter's building — occupied when any building the meter serves (through its sub-meters) is. */
  occupancy: Occupancy
  /** The same question at another instant (for rules that judge completed periods). */
  occupiedAt: (ms: number) => boolean
  /** Whether every building the meter serves is occupied at an instant (the same for most meters). */
  allOccupiedAt: (ms: number) => boolean
  local: LocalTime
  heatingSeason: boolean
  /** The school's outdoor temperature, when a sensor reported within the last two hours. */
  outdoorC?: number
  /**
   * Room sensors: whether the heat meter of the circuit heating the room's building said, within
   * the last two hours, that heat was flowing; undefined when none did.
   */
  heatingOn?: boolean
  calendar: SchoolCalendar
  /**
   * Where the meter measures, as people name it: its room, else its building — or the school when
   * the meter serves several buildings (a main incomer measures the school, not the building it
   * stands in).
   */
  place: string
  /** The meter's own name (or id). */
  meterName: string
}

export type Verdict =
  | {
      active: true
      severity: Severity
      /** The sentence as data (a catalogue key and its parameters), rendered for each reader. */
      message: Message
      evidence: Evidence
      /**
       * The period judged, when it is not the reading's instant (a completed half-hour): planned-use
       * windows are checked against it.
       */
      period?: { from: number; to: number }
      /** Found after the fact (a gap in a backfill): recorded, not announced to people. */
      past?: boolean
    }
  | { active: false }

/** A rule's sentence: its catalogue key and parameters. */
export const say = (key: MessageKey, params: MessageParams = {}): Message => ({ key, params })

export interface Rule<P extends Record<string, unknown> = Record<string, unknown>, S = unknown> {
  id: RuleId
  kinds: readonly MeterKind[]
  /** Narrows the meters of those kinds the rule watches (restricted rooms, room sensors). */
  appliesTo?: (meter: Meter) => boolean
  /** Parameters with their defaults; overridable per school, building, space or meter. */
  params: TSchema
  /** Leak rules: estimated readings never raise or clear them. */
  leak?: boolean
  init(meter: Meter, p: P): S
  /** Saved state (JSON) back to the state `evaluate` takes, where its shape has changed since. */
  restore?(saved: unknown): S
  /** undefined: no change to report. */
  evaluate(state: S, input: RuleInput, p: P): Verdict | undefined
}

export function defineRule<P extends Record<string, unknown>, S>(rule: Rule<P, S>): Rule<P, S> {
  return rule
}

/** Litres (water) or kWh per day and their cost at the meter's tariff. */
export function costEvidence(meter: Meter, perDay: number, unit: 'L' | 'kWh'): Evidence {
  const out: Evidence = unit === 'L' ? { litresPerDay: round(perDay, 1) } : { kwhPerDay: round(perDay, 2) }
  if (meter.tariff !== undefined) {
    const cost = unit === 'L' ? (perDay / 1000) * meter.tariff : perDay * meter.tariff
    out.costPerDay = round(cost, 2)
    if (meter.school.currency) out.currency = meter.school.currency
  }
  return out
}

export const round = (v: number, digits = 2): number => {
  const f = 10 ** digits
  return Math.round(v * f) / f
}

export const MINUTE = 60_000
export const HOUR = 3_600_000

/** Flow of a water reading in L/min: the meter's own, or the interval's consumption over its length. */
export function flowLpm(r: RuleInput): number | undefined {
  if (r.values.flow_lpm !== undefined) return r.values.flow_lpm
  if (r.used !== undefined && r.usedFrom !== undefined && r.ts > r.usedFrom)
    return (r.used / (r.ts - r.usedFrom)) * MINUTE
  return undefined
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  const i = (s.length - 1) * p
  const lo = Math.floor(i)
  const hi = Math.ceil(i)
  return s[lo]! + (s[hi]! - s[lo]!) * (i - lo)
}

/** Where a meter measures, as people name it: its room; its building; the school when it serves several. */
export function placeName(meter: Meter, serves: readonly Building[]): string {
  if (meter.space) return meter.space.name ?? meter.space.id
  if (serves.length > 1) return meter.school.name
  return meter.building.name ?? meter.building.id
}

export const isRoomSensor = (m: Meter): boolean =>
  m.kind === 'temperature' && m.config.placement !== 'outdoor'
