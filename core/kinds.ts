/**
 * Meter kinds and the reading fields each one carries (CONTRACT.md, "A reading object").
 * Everything that depends on a kind — decoding, line protocol, consumption units — reads this table.
 */
export const METER_KINDS = ['water', 'electricity', 'heat', 'temperature'] as const
export type MeterKind = (typeof METER_KINDS)[number]

export const READING_FIELDS = [
  'volume_m3',
  'flow_lpm',
  'energy_kwh',
  'power_w',
  'pf',
  'voltage_v',
  'current_a',
  'power_kw',
  'supply_c',
  'return_c',
  'flow_m3h',
  'temp_c',
  'humidity_pct',
] as const
export type ReadingField = (typeof READING_FIELDS)[number]
export type ReadingValues = Partial<Record<ReadingField, number>>

export interface KindSpec {
  /** The cumulative register field, if the kind has one. */
  register?: ReadingField
  /** Instantaneous fields, in the order they are written to InfluxDB. */
  instantaneous: readonly ReadingField[]
  /** Name of the consumption field in InfluxDB and its unit. */
  used?: { field: 'used_l' | 'used_kwh'; unit: 'L' | 'kWh'; perRegisterUnit: number }
  /** Fields written to InfluxDB, in order (register first). */
  fields: readonly ReadingField[]
}

function spec(
  register: ReadingField | undefined,
  instantaneous: ReadingField[],
  used?: KindSpec['used'],
): KindSpec {
  return {
    ...(register ? { register } : {}),
    instantaneous,
    ...(used ? { used } : {}),
    fields: register ? [register, ...instantaneous] : instantaneous,
  }
}

export const KINDS: Record<MeterKind, KindSpec> = {
  water: spec('volume_m3', ['flow_lpm'], { field: 'used_l', unit: 'L', perRegisterUnit: 1000 }),
  electricity: spec('energy_kwh', ['power_w', 'pf', 'voltage_v', 'current_a'], {
    field: 'used_kwh',
    unit: 'kWh',
    perRegisterUnit: 1,
  }),
  heat: spec('energy_kwh', ['power_kw', 'supply_c', 'return_c', 'flow_m3h'], {
    field: 'used_kwh',
    unit: 'kWh',
    perRegisterUnit: 1,
  }),
  temperature: spec(undefined, ['temp_c', 'humidity_pct']),
}

/** Which kinds a field belongs to, to tell "wrong kind" from "no measurement at all". */
export const FIELD_KINDS: Record<ReadingField, MeterKind[]> = Object.fromEntries(
  READING_FIELDS.map((f) => [f, METER_KINDS.filter((k) => KINDS[k].fields.includes(f))]),
) as Record<ReadingField, MeterKind[]>

/**
 * Plausible range of each field. A value outside it is rejected as `implausible_value`: it is
 * a wiring, scaling or firmware fault, and storing it would poison every report.
 */
export const FIELD_RANGES: Record<ReadingField, readonly [min: number, max: number]> = {
  volume_m3: [0, 1e10],
  flow_lpm: [0, 1e5],
  energy_kwh: [0, 1e12],
  power_w: [-1e8, 1e8],
  pf: [-1, 1],
  voltage_v: [0, 1e6],
  current_a: [0, 1e5],
  power_kw: [-1e5, 1e6],
  supply_c: [-50, 200],
  return_c: [-50, 200],
  flow_m3h: [0, 1e5],
  temp_c: [-60, 100],
  humidity_pct: [0, 100],
}
