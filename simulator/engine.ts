/**
 * The simulation: every meter of a registry advanced in fixed steps of simulated time, faults
 * applied in their windows, readings emitted at each meter's reporting interval. Pure and
 * deterministic — no clock, no I/O: the same registry, seed, start and faults give the same
 * output, byte for byte.
 */
import { SchoolCalendar } from '../core/calendar.js'
import type { ReadingValues } from '../core/kinds.js'
import { REJECT_REASONS, type RejectReason } from '../core/reading.js'
import type { Building, Meter, Registry, School } from '../core/registry.js'
import { isoWithOffset } from './encode.js'
import {
  type Effects,
  ElectricityModel,
  HeatModel,
  type HeatState,
  type Model,
  noEffects,
  type Share,
  TemperatureModel,
  WaterModel,
} from './models.js'
import { Rng } from './random.js'
import { EXPECTED_RULE, type ResolvedFault } from './scenario.js'
import { type Climate, DEFAULT_CLIMATE, Weather } from './weather.js'

export interface SimulationOptions {
  registry: Registry
  /** Simulated start, epoch ms; relative fault times count from here. */
  start: number
  seed?: string
  faults?: ResolvedFault[]
  /** Physical time step, ms (default 10 s). */
  stepMs?: number
  climate?: Climate
  /** Simulate only these schools (default: all). */
  schools?: string[]
  /**
   * Long history at low resolution: before `until`, time advances `stepMs` at a time and every
   * meter reports once per `intervalMs` (or its own interval, if longer), on the interval's
   * boundaries; from `until` on, at full resolution.
   */
  coarse?: { until: number; stepMs: number; intervalMs: number }
}

export type SimOutput =
  | { kind: 'reading'; meter: Meter; ts: number; values: ReadingValues; duplicate?: true }
  | { kind: 'raw'; school: string; topic: string; payload: string; reason: RejectReason; ts: number }

export interface GroundTruth {
  fault: string
  name?: string
  school: string
  building?: string
  meter?: string
  start: string
  end: string | null
  expectedRule: string | null
  expectedRejections?: Partial<Record<RejectReason, number>>
  params: Record<string, unknown>
}

interface MeterSlot {
  model: Model
  school: SchoolSlot
  intervalMs: number
  /** The first reading at full resolution, when the run begins coarse. */
  phase: number
  nextDue: number
  faults: ResolvedFault[]
  effects: Effects
  /** Out-of-order fault: a reading held back to be sent after the next one. */
  held?: SimOutput
}

interface SchoolSlot {
  school: School
  calendar: SchoolCalendar
  weather: Weather
  /** Local minute of day at `stepT`, computed once per step. */
  stepT: number
  minute: number
}

const KIND_ORDER = { heat: 0, water: 1, electricity: 1, temperature: 2 } as const
const PER_FAULT_PARAMS = [
  'rateLph',
  'refillLitres',
  'periodMinutes',
  'flowLpm',
  'fractionOfNominal',
  'watts',
  'deltaK',
  'towardC',
  'targetC',
  'beforeRollover',
  'newRegister',
  'count',
  'reasons',
] as const

function depth(m: Meter): number {
  let d = 0
  for (let p = m.parent; p; p = p.parent) d++
  return d
}

export class Simulation {
  readonly start: number
  readonly seed: string
  readonly stepMs: number
  /** Simulated time reached so far. */
  now: number
  private readonly slots: MeterSlot[] = []
  private readonly bySchool = new Map<string, SchoolSlot>()
  private readonly faults: ResolvedFault[]
  private readonly pendingOnce: ResolvedFault[]

  constructor(private readonly o: SimulationOptions) {
    this.seed = o.seed ?? 'schoolmeter'
    this.stepMs = o.stepMs ?? 10_000
    this.start = Math.floor(o.start / this.stepMs) * this.stepMs
    this.now = this.start
    this.faults = o.faults ?? []
    this.pendingOnce = this.faults.filter(
      (f) => f.type === 'malformed' || f.type === 'register_rollover' || f.type === 'meter_replacement',
    )
    const schools = [...o.registry.schools.values()].filter((s) => !o.schools || o.schools.includes(s.id))
    const models = new Map<string, Model>()
    const heatStates = new Map<string, () => HeatState>()
    for (const school of schools) {
      const calendar = new SchoolCalendar(school)
      const slot: SchoolSlot = {
        school,
        calendar,
        weather: new Weather(`${this.seed}|${school.id}`, calendar, o.climate ?? DEFAULT_CLIMATE),
        stepT: Number.NaN,
        minute: 0,
      }
      this.bySchool.set(school.id, slot)
      for (const f of this.faults) {
        if (f.type === 'weather_shift' && f.school === school.id)
          slot.weather.shifts.push([f.startMs, f.endMs, f.deltaC])
      }
      const sizes = schoolSizes(school)
      for (const building of school.buildings.values()) {
        for (const meter of building.meters) {
          const rng = new Rng(`${this.seed}|${meter.id}`)
          let model: Model
          if (meter.kind === 'water') model = new WaterModel(meter, rng, sizes.share(meter), this.start)
          else if (meter.kind === 'electricity') {
            model = new ElectricityModel(
              meter,
              rng,
              sizes.share(meter),
              meter.space?.use === 'dorm_room',
              this.start,
            )
          } else if (meter.kind === 'heat') {
            const h = new HeatModel(meter, rng, sizes.heatArea(meter), this.start)
            heatStates.set(meter.id, () => h.state)
            model = h
          } else model = new TemperatureModel(meter, rng, undefined)
          models.set(meter.id, model)
        }
      }
      for (const meter of school.meters.values()) {
        if (meter.kind === 'temperature' && meter.config.placement !== 'outdoor') {
          const circuit = sizes.circuitFor(meter.building)
          const state = circuit ? heatStates.get(circuit.id) : undefined
          models.set(meter.id, new TemperatureModel(meter, new Rng(`${this.seed}|${meter.id}`), state))
        }
      }
    }
    for (const model of models.values()) {
      const parent = model.meter.parent && models.get(model.meter.parent.id)
      if (parent) parent.children.push(model)
    }
    const ordered = [...models.values()].sort(
      (a, b) => KIND_ORDER[a.meter.kind] - KIND_ORDER[b.meter.kind] || depth(b.meter) - depth(a.meter),
    )
    for (const model of ordered) {
      const intervalMs = model.meter.intervalSeconds * 1000
      const phase = Math.floor(model.rng.next() * (intervalMs / 1000)) * 1000
      const first =
        o.coarse && this.start < o.coarse.until
          ? Math.ceil(this.start / this.coarseInterval(intervalMs)) * this.coarseInterval(intervalMs)
          : Math.ceil((this.start - phase) / intervalMs) * intervalMs + phase
      this.slots.push({
        model,
        school: this.bySchool.get(model.meter.school.id)!,
        intervalMs,
        phase,
        nextDue: first,
        faults: this.faults.filter((f) =>
          'meter' in f
            ? f.meter === model.meter.id
            : f.type === 'usage_change' && f.school === model.meter.school.id,
        ),
        effects: noEffects(),
      })
    }
  }

  get meterCount(): number {
    return this.slots.length
  }

  private coarseInterval(intervalMs: number): number {
    return Math.max(intervalMs, this.o.coarse!.intervalMs)
  }

  /** Advances simulated time to `until` (rounded down to a step) and returns what meters sent, in time order. */
  advance(until: number): SimOutput[] {
    const out: SimOutput[] = []
    const end = Math.floor(until / this.stepMs) * this.stepMs
    const occCache = new Map<Building, ReturnType<SchoolCalendar['occupancy']>>()
    while (this.now < end) {
      const t = this.now
      const coarse = this.o.coarse && t < this.o.coarse.until ? this.o.coarse : undefined
      const dt = Math.min(coarse ? Math.min(coarse.stepMs, coarse.until - t) : this.stepMs, end - t)
      occCache.clear()
      this.applyOnce(t, out)
      // Sorted by when each output is sent: a held-back (out-of-order) reading goes after its successor.
      const stepOut: [sendAt: number, out: SimOutput][] = []
      for (const slot of this.slots) {
        const meter = slot.model.meter
        const school = slot.school
        const { calendar, weather } = school
        if (school.stepT !== t) {
          school.stepT = t
          school.minute = calendar.local(t).minute
        }
        let occ = occCache.get(meter.building)
        if (!occ) {
          occ = calendar.occupancy(meter.building, t)
          occCache.set(meter.building, occ)
        }
        const effects = this.effects(slot, t)
        slot.model.step({ t, dtMs: dt, calendar, weather, occupancy: occ, minute: school.minute, effects })
        const interval = coarse ? this.coarseInterval(slot.intervalMs) : slot.intervalMs
        while (slot.nextDue < t + dt) {
          const ts = slot.nextDue
          slot.nextDue += interval
          this.emit(slot, ts, stepOut)
        }
        // Coarse history ends: back on the meter's own schedule.
        if (coarse && t + dt >= coarse.until)
          slot.nextDue =
            Math.ceil((Math.max(slot.nextDue - interval, coarse.until) - slot.phase) / slot.intervalMs) *
              slot.intervalMs +
            slot.phase
      }
      stepOut.sort((a, b) => a[0] - b[0])
      for (const [, o] of stepOut) out.push(o)
      this.now = t + dt
    }
    return out
  }

  private applyOnce(t: number, out: SimOutput[]): void {
    for (let i = 0; i < this.pendingOnce.length; ) {
      const f = this.pendingOnce[i]!
      if (f.startMs >= t + this.stepMs) {
        i++
        continue
      }
      this.pendingOnce.splice(i, 1)
      if (f.type === 'malformed') out.push(...malformedMessages(f, this.o.registry, Math.max(t, f.startMs)))
      else if ('meter' in f) {
        const slot = this.slots.find((s) => s.model.meter.id === f.meter)
        if (!slot?.model.setRegister) continue
        if (f.type === 'register_rollover')
          slot.model.setRegister(slot.model.meter.registerModulus! - (f.beforeRollover ?? 0.05))
        else if (f.type === 'meter_replacement') slot.model.setRegister(f.newRegister ?? 0)
      }
    }
  }

  private effects(slot: MeterSlot, t: number): Effects {
    const e = slot.effects
    if (slot.faults.length === 0) return e
    Object.assign(e, noEffects())
    delete e.refill
    delete e.deltaK
    delete e.roomTowardC
    delete e.roomTargetC
    for (const f of slot.faults) {
      if (t < f.startMs || t >= f.endMs) continue
      switch (f.type) {
        case 'drip_leak':
          e.extraLpm += (f.rateLph ?? 1) / 60
          break
        case 'burst': {
          const q3 = slot.model.meter.config.nominalFlowM3h
          e.extraLpm += f.flowLpm ?? (q3 ? ((f.fractionOfNominal ?? 0.25) * q3 * 1000) / 60 : 30)
          break
        }
        case 'running_toilet':
          e.refill = {
            litres: f.refillLitres ?? 6,
            periodMs: (f.periodMinutes ?? 4) * 60_000,
            startMs: f.startMs,
          }
          break
        case 'after_hours_load':
          e.extraW += f.watts ?? 8000
          break
        case 'kettle':
          e.resistiveW += f.watts ?? 2000
          break
        case 'heater':
          e.resistiveW += f.watts ?? 1500
          break
        case 'weekend_heating':
          e.forceHeating = true
          break
        case 'low_delta_t':
          e.deltaK = f.deltaK ?? 2
          break
        case 'no_heat':
          e.noHeat = true
          break
        case 'frost':
          e.roomTowardC = f.towardC ?? 2
          break
        case 'usage_change':
          e.usageFactor *= f.factor
          break
        case 'overheating':
          e.roomTargetC = f.targetC ?? 26
          break
        default:
          break
      }
    }
    return e
  }

  private active(slot: MeterSlot, type: ResolvedFault['type'], ts: number): boolean {
    return slot.faults.some((f) => f.type === type && ts >= f.startMs && ts < f.endMs)
  }

  private emit(slot: MeterSlot, ts: number, out: [number, SimOutput][]): void {
    if (this.active(slot, 'meter_offline', ts)) return
    const reading: SimOutput = { kind: 'reading', meter: slot.model.meter, ts, values: slot.model.values() }
    if (this.active(slot, 'out_of_order', ts)) {
      if (!slot.held) {
        slot.held = reading
        return
      }
      out.push([ts, reading], [ts, slot.held])
      delete slot.held
      return
    }
    if (slot.held) {
      out.push([ts, slot.held])
      delete slot.held
    }
    out.push([ts, reading])
    if (this.active(slot, 'duplicate_messages', ts)) out.push([ts, { ...reading, duplicate: true }])
  }

  private iso(school: string, ms: number): string {
    const cal = this.bySchool.get(school)?.calendar
    return cal ? isoWithOffset(ms, cal.offset(ms)) : new Date(ms).toISOString()
  }

  /** The injected faults, one row each, as written to the ground-truth file. */
  groundTruth(): GroundTruth[] {
    return this.faults.map((f) => {
      const params: Record<string, unknown> = {}
      for (const k of PER_FAULT_PARAMS) if (k in f) params[k] = (f as Record<string, unknown>)[k]
      const meter = 'meter' in f ? this.o.registry.meters.get(f.meter) : undefined
      const schoolId = 'school' in f ? f.school : meter!.school.id
      const row: GroundTruth = {
        fault: f.type,
        ...(f.name ? { name: f.name } : {}),
        school: schoolId,
        ...(meter ? { building: meter.building.id, meter: meter.id } : {}),
        start: this.iso(schoolId, f.startMs),
        end: Number.isFinite(f.endMs) ? this.iso(schoolId, f.endMs) : null,
        expectedRule: EXPECTED_RULE[f.type],
        params,
      }
      if (f.type === 'malformed') {
        const reasons = f.reasons ?? MALFORMED_REASONS
        row.expectedRejections = Object.fromEntries(reasons.map((r) => [r, f.count ?? 1]))
      }
      return row
    })
  }
}

/** How big each meter's share of its school is. */
function schoolSizes(school: School) {
  const buildings = [...school.buildings.values()]
  const declared = buildings.reduce((a, b) => a + (b.config.floorAreaM2 ?? 0), 0)
  const fallback = school.floorAreaM2 && declared === 0 ? school.floorAreaM2 / buildings.length : 2000
  const area = (b: Building) => b.config.floorAreaM2 ?? fallback
  const total = buildings.reduce((a, b) => a + area(b), 0)
  const pupils = school.pupils ?? 500
  const boarding = buildings.some((b) => b.use === 'dormitory')
  const heatMeters = (b: Building) => b.meters.filter((m) => m.kind === 'heat')
  const defaultCircuit = [...school.meters.values()].find((m) => m.kind === 'heat' && !m.parent)
  const planned = school.calendar.plannedUse
  return {
    share(meter: Meter): Share {
      const b = meter.building
      const same = b.meters.filter((m) => m.kind === meter.kind && m.space?.use !== 'dorm_room')
      const n = Math.max(1, same.length)
      const firstWater = b.meters.find((m) => m.kind === 'water')
      return {
        people: (pupils * area(b)) / total / n,
        areaM2: area(b) / n,
        urinals: meter.space?.use === 'toilet',
        plannedFill:
          meter.kind === 'water' &&
          planned.some((w) =>
            w.meters ? w.meters.includes(meter.id) : w.building === b.id && firstWater === meter,
          ),
        boarding,
      }
    },
    heatArea(meter: Meter): number {
      const b = meter.building
      let a = area(b) / heatMeters(b).length
      if (meter === defaultCircuit)
        for (const other of buildings) if (heatMeters(other).length === 0) a += area(other)
      return a
    },
    circuitFor(b: Building): Meter | undefined {
      return heatMeters(b)[0] ?? defaultCircuit
    },
  }
}

/** Every rejection reason of the contract can be provoked. */
export const MALFORMED_REASONS: readonly RejectReason[] = REJECT_REASONS

/** Messages broken in each requested way, aimed at a real meter of the school. */
function malformedMessages(
  f: ResolvedFault & { type: 'malformed' },
  registry: Registry,
  ts: number,
): SimOutput[] {
  const school = registry.schools.get(f.school)!
  const meter = [...school.meters.values()].find((m) => m.kind === 'water') ?? [...school.meters.values()][0]!
  const good = meter.kind === 'water' ? 'volume_m3' : meter.kind === 'temperature' ? 'temp_c' : 'energy_kwh'
  const foreign = meter.kind === 'water' ? 'power_w' : 'volume_m3'
  const topic = `schools/${school.id}/meters/${meter.id}`
  const make: Record<RejectReason, () => [string, string]> = {
    bad_topic: () => [`schools/${school.id}/meter/${meter.id}`, JSON.stringify({ ts, [good]: 1 })],
    bad_json: () => [topic, `{"ts": ${ts}, "${good}": 1`],
    bad_schema: () => [topic, JSON.stringify({ ts, [good]: 'twelve' })],
    unknown_school: () => [`schools/no-such-school/meters/${meter.id}`, JSON.stringify({ ts, [good]: 1 })],
    unknown_meter: () => [`schools/${school.id}/meters/NO-SUCH-METER`, JSON.stringify({ ts, [good]: 1 })],
    wrong_kind_fields: () => [topic, JSON.stringify({ ts, [foreign]: 5 })],
    bad_timestamp: () => [topic, JSON.stringify({ ts: 'yesterday at noon', [good]: 1 })],
    too_large: () => [topic, JSON.stringify({ ts, [good]: 1, firmware: 'x'.repeat(300 * 1024) })],
    implausible_value: () => [topic, JSON.stringify({ ts, [good]: meter.kind === 'temperature' ? 500 : -1 })],
  }
  const out: SimOutput[] = []
  for (const reason of f.reasons ?? MALFORMED_REASONS) {
    for (let i = 0; i < (f.count ?? 1); i++) {
      const [t, payload] = make[reason]()
      out.push({ kind: 'raw', school: school.id, topic: t, payload, reason, ts })
    }
  }
  return out
}
