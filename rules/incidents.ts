/**
 * One fault, one incident: which alerts belong together. An alert joins an incident that is still
 * open when both are of one family and at one place —
 * - water loss and electricity waste: the same meter, or a meter up- or downstream of it (a drip
 *   on a dormitory sub-meter shows on the main meter too);
 * - heating: one circuit (a heat meter and the room sensors of the buildings it heats);
 * - a dorm-room appliance or a register event: the same meter;
 * - silent meters: the same school (a gateway that stops takes its meters with it) —
 * and the same alert raised again within the family's hold-off after it last cleared joins too
 * (a heater cycling on its thermostat, a drip that pauses while the building is in use). Pure:
 * the alert manager asks, the store keeps.
 */
import type { IncidentFamily, Severity } from '../core/alert.js'
import { heatingCircuit, type Meter, type Registry } from '../core/registry.js'
import { HOUR } from './types.js'

export const FAMILY: Record<string, IncidentFamily> = {
  'water.continuous_flow': 'water_loss',
  'water.after_hours_flow': 'water_loss',
  'water.burst': 'water_loss',
  'water.night_flow': 'water_loss',
  'water.cistern_refill': 'water_loss',
  'electricity.high_power_appliance': 'appliance',
  'electricity.after_hours': 'electricity_waste',
  'heat.unoccupied_heating': 'heating_waste',
  'heat.overheating': 'heating_waste',
  'heat.frost_risk': 'heating_fault',
  'heat.no_heat': 'heating_fault',
  'heat.low_delta_t': 'heating_fault',
  'meter.offline': 'meter_silent',
  'meter.register_anomaly': 'meter_register',
  'quota.term': 'quota',
  'quota.year': 'quota',
}

export function familyOf(rule: string): IncidentFamily {
  return FAMILY[rule] ?? 'meter_register'
}

/**
 * How long after its alerts last cleared an incident still takes the same fault back. Water and
 * heating faults pause every school day and come back at night: a day. A heater on a thermostat
 * cycles within the hour; a kettle boiled again after three hours is another kettle.
 */
export const HOLD_OFF_MS: Record<IncidentFamily, number> = {
  water_loss: 24 * HOUR,
  appliance: 3 * HOUR,
  electricity_waste: 24 * HOUR,
  heating_waste: 24 * HOUR,
  heating_fault: 12 * HOUR,
  meter_silent: 1 * HOUR,
  meter_register: 24 * HOUR,
  quota: 24 * HOUR,
}

type Locus = 'tree' | 'building' | 'meter' | 'school'
const LOCUS: Record<IncidentFamily, Locus> = {
  water_loss: 'tree',
  electricity_waste: 'tree',
  appliance: 'meter',
  heating_waste: 'building',
  heating_fault: 'building',
  meter_silent: 'school',
  meter_register: 'meter',
  quota: 'meter',
}

/** Where an incident is now, as the alert manager sees it when an alert comes. */
export interface IncidentPlace {
  school: string
  family: IncidentFamily
  meter: string
  building: string
}

const circuits = new WeakMap<Meter['building'], Meter | null>()
/** The heating circuit a meter belongs to (worked out once per building). */
function circuitOf(m: Meter): Meter | undefined {
  if (m.kind === 'heat') return m
  let c = circuits.get(m.building)
  if (c === undefined) {
    c = heatingCircuit(m.building) ?? null
    circuits.set(m.building, c)
  }
  return c ?? undefined
}

const isUpstream = (upper: Meter, lower: Meter): boolean => {
  for (let m = lower.parent; m; m = m.parent) if (m === upper) return true
  return false
}

const near = new Map<IncidentFamily, WeakMap<Meter, readonly string[]>>()

/**
 * The meters an incident of `family` must sit at for an alert on `meter` to join it (see
 * `relation`), or undefined where any place at the school will do. Worked out once per meter.
 */
export function nearMeters(meter: Meter, family: IncidentFamily): readonly string[] | undefined {
  const locus = LOCUS[family]
  if (locus === 'school') return undefined
  let byMeter = near.get(family)
  if (!byMeter) {
    byMeter = new WeakMap()
    near.set(family, byMeter)
  }
  let ids = byMeter.get(meter)
  if (ids) return ids
  const out = new Set<string>([meter.id])
  if (locus === 'tree') {
    for (let m = meter.parent; m; m = m.parent) out.add(m.id)
    for (const m of meter.school.meters.values()) if (isUpstream(meter, m)) out.add(m.id)
  } else if (locus === 'building') {
    const circuit = circuitOf(meter)
    for (const m of meter.school.meters.values())
      if (m.building === meter.building || (circuit !== undefined && circuitOf(m) === circuit)) out.add(m.id)
  }
  ids = [...out]
  byMeter.set(meter, ids)
  return ids
}

/**
 * How an alert on `meter` relates to an incident at `place` of its family: `same` (that place),
 * `above` (the meter is upstream of the incident's: the incident stays where it is), `below` (the
 * meter is downstream: the incident moves to it, the more exact place), or undefined (another fault).
 */
export function relation(
  registry: Registry,
  place: IncidentPlace,
  meter: Meter,
  family: IncidentFamily,
): 'same' | 'above' | 'below' | undefined {
  if (place.family !== family || place.school !== meter.school.id) return undefined
  if (place.meter === meter.id) return 'same'
  const other = registry.meters.get(place.meter)
  switch (LOCUS[family]) {
    case 'meter':
      return undefined
    case 'school':
      return 'same'
    case 'building': {
      // One heating circuit: its heat meter and the rooms of the buildings it heats.
      if (place.building === meter.building.id) return 'same'
      if (!other) return undefined
      const circuit = circuitOf(meter)
      return circuit !== undefined && circuit === circuitOf(other) ? 'same' : undefined
    }
    case 'tree':
      if (!other) return undefined
      return isUpstream(meter, other) ? 'above' : isUpstream(other, meter) ? 'below' : undefined
  }
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 }
export const maxSeverity = (a: Severity, b: Severity): Severity => (RANK[b] > RANK[a] ? b : a)
