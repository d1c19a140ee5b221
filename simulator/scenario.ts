/**
 * Scenario files: which faults to inject, where and when. Declared with the same schema language
 * as the registry, validated with the same error messages.
 *
 * Times are ISO-8601 with an offset, or relative to the start of the simulation ("+90m",
 * "-26h"); durations are "45s", "30m", "6h", "2d".
 */
import { readFileSync } from 'node:fs'
import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'
import { parse as parseYaml } from 'yaml'
import { validate } from '../core/config/load.js'
import { ConfigError, type ConfigProblem } from '../core/errors.js'
import { REJECT_REASONS } from '../core/reading.js'
import type { Registry } from '../core/registry.js'

const When = Type.String({
  pattern: '^([+-]\\d+(\\.\\d+)?[smhd]|\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2})?(Z|[+-]\\d{2}:\\d{2}))$',
  description: 'ISO-8601 with offset, or relative to the simulation start: +90m, -26h',
})
const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?[smhd]$', description: 'e.g. 45s, 30m, 6h, 2d' })

const common = {
  name: Type.Optional(Type.String()),
  start: When,
  duration: Type.Optional(Duration),
  end: Type.Optional(When),
}
const onMeter = { ...common, meter: Type.String() }

const fault = <T extends string, P extends Record<string, Type.TSchema>>(
  type: T,
  props: P,
  description: string,
) =>
  Type.Object(
    { type: Type.Literal(type), ...onMeter, ...props },
    { additionalProperties: false, description },
  )

/** An appliance on its thermostat: on for a share of each cycle. */
const thermostat = {
  dutyCycle: Type.Optional(
    Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      default: 1,
      description: 'share of each thermostat cycle it is on (1: steadily on)',
    }),
  ),
  cycleMinutes: Type.Optional(Type.Number({ exclusiveMinimum: 0, default: 20 })),
}

export const FAULT_TYPES = {
  drip_leak: fault(
    'drip_leak',
    { rateLph: Type.Optional(Type.Number({ exclusiveMinimum: 0, default: 1 })) },
    'a constant small flow (0.5–5 L/h) on a water meter',
  ),
  running_toilet: fault(
    'running_toilet',
    {
      refillLitres: Type.Optional(Type.Number({ exclusiveMinimum: 0, default: 1.5 })),
      periodMinutes: Type.Optional(Type.Number({ exclusiveMinimum: 0, default: 6 })),
      irregularity: Type.Optional(
        Type.Number({
          minimum: 0,
          maximum: 0.9,
          default: 0.3,
          description: 'each interval drawn within ± this share of periodMinutes',
        }),
      ),
    },
    'a leaking flapper: the cistern refills by a fraction of a flush at uneven intervals',
  ),
  burst: fault(
    'burst',
    {
      flowLpm: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
      fractionOfNominal: Type.Optional(Type.Number({ exclusiveMinimum: 0, default: 0.25 })),
    },
    'a burst pipe: a large steady flow (default 25 % of the meter’s nominal flow, or 30 L/min)',
  ),
  after_hours_load: fault(
    'after_hours_load',
    {
      watts: Type.Optional(Type.Number({ exclusiveMinimum: 0, default: 8000 })),
      ...thermostat,
    },
    'lights or air conditioning left on: extra load on an electricity meter (AC cycles on its thermostat)',
  ),
  kettle: fault(
    'kettle',
    { watts: Type.Optional(Type.Number({ exclusiveMinimum: 0, default: 2000 })) },
    'a kettle in a dorm room (default 2 kW; give a duration of a few minutes)',
  ),
  heater: fault(
    'heater',
    {
      watts: Type.Optional(Type.Number({ exclusiveMinimum: 0, default: 1500 })),
      ...thermostat,
    },
    'an electric heater in a dorm room (default 1.5 kW, for hours; on its thermostat with dutyCycle < 1)',
  ),
  hair_dryer: fault(
    'hair_dryer',
    { watts: Type.Optional(Type.Number({ exclusiveMinimum: 0, default: 1600 })) },
    'a hair dryer in a dorm room: full and half heat in turns, with short pauses (give a duration of minutes)',
  ),
  weekend_heating: fault(
    'weekend_heating',
    {},
    'a heating circuit running as on a school day while the building is empty',
  ),
  low_delta_t: fault(
    'low_delta_t',
    { deltaK: Type.Optional(Type.Number({ exclusiveMinimum: 0, default: 2 })) },
    'supply and return almost equal: a bypass open or a pump too fast',
  ),
  no_heat: fault('no_heat', {}, 'the heat source fails: supply falls to 25 °C and rooms cool'),
  frost: fault(
    'frost',
    { towardC: Type.Optional(Type.Number({ default: 2 })) },
    'a room or pipe space falling toward freezing',
  ),
  overheating: fault(
    'overheating',
    { targetC: Type.Optional(Type.Number({ default: 26 })) },
    'a room kept too warm',
  ),
  meter_offline: fault('meter_offline', {}, 'the meter sends nothing'),
  register_rollover: fault(
    'register_rollover',
    { beforeRollover: Type.Optional(Type.Number({ exclusiveMinimum: 0, default: 0.05 })) },
    'the register is set this close (in m³ or kWh) below its maximum at the start, so it rolls over',
  ),
  meter_replacement: fault(
    'meter_replacement',
    { newRegister: Type.Optional(Type.Number({ minimum: 0, default: 0 })) },
    'the meter is replaced: its register restarts at newRegister',
  ),
  duplicate_messages: fault('duplicate_messages', {}, 'every reading in the window is sent twice'),
  out_of_order: fault('out_of_order', {}, 'readings in the window arrive in swapped pairs'),
  usage_change: Type.Object(
    {
      type: Type.Literal('usage_change'),
      ...common,
      school: Type.String(),
      factor: Type.Number({
        exclusiveMinimum: 0,
        description: 'multiplies the use of every meter of the school: 0.9 is a 10 % cut',
      }),
    },
    {
      additionalProperties: false,
      description: 'a change in behaviour: the school uses `factor` times as much water, power and heat',
    },
  ),
  weather_shift: Type.Object(
    {
      type: Type.Literal('weather_shift'),
      ...common,
      school: Type.String(),
      deltaC: Type.Number({ description: 'added to the outdoor temperature' }),
    },
    {
      additionalProperties: false,
      description: 'a colder (negative) or warmer spell of weather at the school',
    },
  ),
  malformed: Type.Object(
    {
      type: Type.Literal('malformed'),
      ...common,
      school: Type.String(),
      count: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
      reasons: Type.Optional(Type.Array(Type.Enum([...REJECT_REASONS]))),
    },
    {
      additionalProperties: false,
      description:
        'messages broken in each of the given ways (default: every rejection reason), sent at the start',
    },
  ),
}

const F = FAULT_TYPES
export const Fault = Type.Union([
  F.drip_leak,
  F.running_toilet,
  F.burst,
  F.after_hours_load,
  F.kettle,
  F.heater,
  F.hair_dryer,
  F.weekend_heating,
  F.low_delta_t,
  F.no_heat,
  F.frost,
  F.overheating,
  F.meter_offline,
  F.register_rollover,
  F.meter_replacement,
  F.duplicate_messages,
  F.out_of_order,
  F.usage_change,
  F.weather_shift,
  F.malformed,
])
export type Fault = Static<typeof Fault>
export type FaultType = Fault['type']

export const Scenario = Type.Object(
  {
    name: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    faults: Type.Array(Fault),
  },
  { additionalProperties: false },
)
export type Scenario = Static<typeof Scenario>

const checkScenario = Compile(Scenario)

/** The rule each fault should raise (RULES.md rule ids); null: handled by ingest, no alert. */
export const EXPECTED_RULE: Record<FaultType, string | null> = {
  drip_leak: 'water.continuous_flow',
  running_toilet: 'water.cistern_refill',
  burst: 'water.burst',
  after_hours_load: 'electricity.after_hours',
  kettle: 'electricity.high_power_appliance',
  heater: 'electricity.high_power_appliance',
  hair_dryer: 'electricity.high_power_appliance',
  weekend_heating: 'heat.unoccupied_heating',
  low_delta_t: 'heat.low_delta_t',
  no_heat: 'heat.no_heat',
  frost: 'heat.frost_risk',
  overheating: 'heat.overheating',
  meter_offline: 'meter.offline',
  register_rollover: 'meter.register_anomaly',
  meter_replacement: 'meter.register_anomaly',
  duplicate_messages: null,
  out_of_order: null,
  usage_change: null,
  weather_shift: null,
  malformed: null,
}

/**
 * Other rules whose alerts a fault legitimately raises on its meter or upstream of it: a burst
 * at night is also unbroken night flow; a heater left on shows on the dormitory's own meter.
 */
const ALSO_EXPECTED: Partial<Record<FaultType, string[]>> = {
  drip_leak: ['water.night_flow', 'water.after_hours_flow'],
  running_toilet: ['water.continuous_flow', 'water.night_flow', 'water.after_hours_flow'],
  burst: ['water.after_hours_flow', 'water.continuous_flow', 'water.night_flow'],
  heater: ['electricity.after_hours'],
  weekend_heating: ['heat.overheating'],
  no_heat: ['heat.frost_risk'],
  frost: ['heat.no_heat'],
  overheating: ['heat.unoccupied_heating'],
}

/** Every rule that truly detects a fault of this type, the expected one first. */
export function expectedRules(type: FaultType): string[] {
  const first = EXPECTED_RULE[type]
  return first ? [first, ...(ALSO_EXPECTED[type] ?? [])] : []
}

/** Meter kinds each fault applies to. */
const FAULT_KINDS: Partial<Record<FaultType, string[]>> = {
  drip_leak: ['water'],
  running_toilet: ['water'],
  burst: ['water'],
  after_hours_load: ['electricity'],
  kettle: ['electricity'],
  heater: ['electricity'],
  hair_dryer: ['electricity'],
  weekend_heating: ['heat'],
  low_delta_t: ['heat'],
  no_heat: ['heat'],
  frost: ['temperature'],
  overheating: ['temperature'],
  register_rollover: ['water', 'electricity', 'heat'],
  meter_replacement: ['water', 'electricity', 'heat'],
}

/** Validates a scenario; each fault against the schema of its own type, so errors name the right keys. */
export function parseScenario(text: string, source = 'scenario'): Scenario {
  let raw: unknown
  try {
    raw = parseYaml(text)
  } catch (err) {
    throw new ConfigError(source, [
      { path: '(file)', expected: `valid YAML or JSON: ${(err as Error).message}` },
    ])
  }
  const faults = (raw as { faults?: unknown } | null)?.faults
  if (Array.isArray(faults)) {
    const problems: ConfigProblem[] = []
    const checked = faults.map((f, i) => {
      const type = (f as { type?: unknown } | null)?.type
      const schema = typeof type === 'string' ? FAULT_TYPES[type as FaultType] : undefined
      if (!schema) {
        problems.push({
          path: `faults[${i}].type`,
          value: type,
          expected: `one of ${Object.keys(FAULT_TYPES).join(', ')}`,
        })
        return f
      }
      try {
        return validate(schema, compiled(type as FaultType), f, source)
      } catch (err) {
        for (const p of (err as ConfigError).problems ?? []) {
          problems.push({ ...p, path: `faults[${i}]${p.path === '(root)' ? '' : `.${p.path}`}` })
        }
        return f
      }
    })
    if (problems.length) throw new ConfigError(source, problems)
    raw = { ...(raw as object), faults: checked }
  }
  return validate<typeof Scenario, Scenario>(Scenario, checkScenario, raw, source)
}

const compiledFaults = new Map<FaultType, ReturnType<typeof Compile>>()
function compiled(type: FaultType) {
  let c = compiledFaults.get(type)
  if (!c) {
    c = Compile(FAULT_TYPES[type])
    compiledFaults.set(type, c)
  }
  return c
}

export function loadScenario(path: string): Scenario {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(path, [
      {
        path: 'scenario',
        value: path,
        expected: `a readable scenario file, or demo / all-faults (${(err as Error).message})`,
      },
    ])
  }
  return parseScenario(text, path)
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

export function durationMs(d: string): number {
  return Number(d.slice(0, -1)) * UNIT_MS[d.slice(-1) as keyof typeof UNIT_MS]
}

export function resolveTime(when: string, startMs: number): number {
  if (when.startsWith('+') || when.startsWith('-')) {
    const sign = when.startsWith('-') ? -1 : 1
    return startMs + sign * durationMs(when.slice(1))
  }
  return Date.parse(when)
}

/** Faults that concern a whole school rather than one meter. */
export type SchoolFault = Extract<Fault, { school: string }>

/** A fault with absolute times, checked against the registry. */
export type ResolvedFault = Fault & { startMs: number; endMs: number; index: number }

/** Resolves relative times and checks every fault against the registry; throws ConfigError listing all problems. */
export function resolveScenario(
  scenario: Scenario,
  registry: Registry,
  startMs: number,
  source = 'scenario',
): ResolvedFault[] {
  const problems: { path: string; value: unknown; expected: string }[] = []
  const out: ResolvedFault[] = []
  scenario.faults.forEach((f, i) => {
    const path = `faults[${i}]`
    const s = resolveTime(f.start, startMs)
    let e = Number.POSITIVE_INFINITY
    if (f.end !== undefined) e = resolveTime(f.end, startMs)
    else if (f.duration !== undefined) e = s + durationMs(f.duration)
    else if (f.type === 'malformed' || f.type === 'register_rollover' || f.type === 'meter_replacement') e = s
    if (e < s)
      problems.push({ path: `${path}.end`, value: f.end ?? f.duration, expected: 'an end after the start' })
    if ('school' in f) {
      if (!registry.schools.has(f.school))
        problems.push({ path: `${path}.school`, value: f.school, expected: 'a school of the registry' })
    } else {
      const meter = registry.meters.get(f.meter)
      const kinds = FAULT_KINDS[f.type]
      if (!meter)
        problems.push({ path: `${path}.meter`, value: f.meter, expected: 'a meter of the registry' })
      else if (kinds && !kinds.includes(meter.kind)) {
        problems.push({
          path: `${path}.meter`,
          value: f.meter,
          expected: `a ${kinds.join(' or ')} meter for ${f.type} (it is ${meter.kind})`,
        })
      } else if (f.type === 'register_rollover' && meter.registerModulus === undefined) {
        problems.push({
          path: `${path}.meter`,
          value: f.meter,
          expected: 'a meter with registerDigits, so that it can roll over',
        })
      }
    }
    out.push({ ...f, startMs: s, endMs: e, index: i } as ResolvedFault)
  })
  if (problems.length) throw new ConfigError(source, problems)
  return out
}
