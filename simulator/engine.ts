/**
 * The simulation: every meter of a registry advanced in fixed steps of simulated time, faults
 * applied in their windows, readings emitted at each meter's reporting interval. Pure and
 * deterministic — no clock, no I/O: the same registry, seed, start and faults give the same
 * output, byte for byte.
 */
import { SchoolCalendar } from '../core/calendar.js'
import type { ReadingValues } from '../core/kinds.js'
import { REJECT_REASONS, type RejectReason } from '../core/reading.js'
import { type Building, heatingCircuit, type Meter, type Registry, type School } from '../core/registry.js'
import { isoWithOffset } from './encode.js'
import { type FaultRun, faultRng, HairDryerRun, RefillRun, ThermostatRun } from './fault-runs.js'
import { type Fixture, type LifeContext, planSchoolLife, type SchoolLife } from './life/index.js'
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
import { EXPECTED_RULE, expectedRules, type ResolvedFault } from './scenario.js'
import { DEFAULT_SITE, type Site } from './site.js'
import { type SunDay, sunDay } from './sun.js'
import { type Climate, Weather } from './weather.js'

export interface SimulationOptions {
  registry: Registry
  /** Simulated start, epoch ms; relative fault times count from here. */
  start: number
  seed?: string
  faults?: ResolvedFault[]
  /** Physical time step, ms (default 10 s). */
  stepMs?: number
  /** Every school's climate (default: each school's site's). */
  climate?: Climate
  /** Where each school stands, by school id (default: DEFAULT_SITE). */
  sites?: Record<string, Partial<Site>>
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
  /** The rule that should find the fault (null: ingest handles it, no alert). */
  expectedRule: string | null
  /** Every rule whose alert on the meter or upstream of it is a true detection of the fault, the expected one first. */
  expectedRules: string[]
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
  /** State of the faults that keep some (thermostats, refills), by fault index. */
  runs: Map<number, FaultRun>
  /** Out-of-order fault: a reading held back to be sent after the next one. */
  held?: SimOutput
}

interface SchoolSlot {
  school: School
  calendar: SchoolCalendar
  weather: Weather
  site: Site
  life: SchoolLife
  fixtures: Fixture[]
  /** Sunrise and sunset of the local day `sunDay`. */
  sun: SunDay
  sunOfDay: number
  /** Local minute of day at the current step, computed once per step. */
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
  'irregularity',
  'dutyCycle',
  'cycleMinutes',
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
      const site: Site = {
        ...DEFAULT_SITE,
        ...(o.climate ? { climate: o.climate } : {}),
        ...o.sites?.[school.id],
      }
      const weather = new Weather(`${this.seed}|${school.id}`, calendar, site.climate)
      const life = planSchoolLife(school, {
        seed: this.seed,
        calendar,
        weather,
        ...(site.irrigated !== undefined ? { irrigated: site.irrigated } : {}),
      })
      const slot: SchoolSlot = {
        school,
        calendar,
        weather,
        site,
        life,
        fixtures: life.placements.map((p) => p.fixture),
        sun: { sunrise: 0, sunset: 0 },
        sunOfDay: Number.NaN,
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
            const h = new HeatModel(meter, rng, sizes.heatArea(meter), this.start, life.heating)
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
          models.set(
            meter.id,
            new TemperatureModel(meter, new Rng(`${this.seed}|${meter.id}`), state, life.heating),
          )
        }
      }
      for (const p of life.placements) {
        const e = p.electricity ? models.get(p.electricity) : undefined
        const w = p.water ? models.get(p.water) : undefined
        if (e instanceof ElectricityModel) e.fixtures.push(p.fixture)
        if (w instanceof WaterModel) w.fixtures.push(p.fixture)
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
        runs: new Map(),
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
      for (const school of this.bySchool.values()) this.stepLife(school, t, dt)
      // Sorted by when each output is sent: a held-back (out-of-order) reading goes after its successor.
      const stepOut: [sendAt: number, out: SimOutput][] = []
      for (const slot of this.slots) {
        const meter = slot.model.meter
        const school = slot.school
        const { calendar, weather } = school
        let occ = occCache.get(meter.building)
        if (!occ) {
          occ = calendar.occupancy(meter.building, t)
          occCache.set(meter.building, occ)
        }
        const effects = this.effects(slot, t, dt)
        slot.model.step({
          t,
          dtMs: dt,
          calendar,
          weather,
          occupancy: occ,
          minute: school.minute,
          sun: school.sun,
          effects,
        })
        const interval = coarse ? this.coarseInterval(slot.intervalMs) : slot.intervalMs
        while (slot.nextDue < t + dt) {
          const ts = slot.nextDue
          slot.nextDue += interval
          this.emit(slot, ts, stepOut)
        }
        // Coarse history ends: a reading at its end, so that the step to the meter's own schedule is
        // no gap (to the rules, a gap longer than the coarse interval could be an offline episode).
        if (coarse && t + dt >= coarse.until) {
          this.emit(slot, coarse.until, stepOut)
          slot.nextDue =
            Math.floor((coarse.until - slot.phase) / slot.intervalMs + 1) * slot.intervalMs + slot.phase
        }
      }
      stepOut.sort((a, b) => a[0] - b[0])
      for (const [, o] of stepOut) out.push(o)
      this.now = t + dt
    }
    return out
  }

  /** The school's local time, sun and weather for this step, and every fixture of its normal life advanced. */
  private stepLife(school: SchoolSlot, t: number, dtMs: number): void {
    const local = school.calendar.local(t)
    school.minute = local.minute
    if (school.sunOfDay !== local.day) {
      school.sunOfDay = local.day
      school.sun = sunDay(local.day, school.site.latitude, school.site.longitude)
    }
    if (school.fixtures.length === 0) return
    const ctx: LifeContext = {
      t,
      dtMs,
      local,
      calendar: school.calendar,
      outdoorC: school.weather.outdoorC(t),
      sun: school.sun,
    }
    for (const f of school.fixtures) f.step(ctx)
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

  private effects(slot: MeterSlot, t: number, dtMs: number): Effects {
    const e = slot.effects
    if (slot.faults.length === 0) return e
    Object.assign(e, noEffects())
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
        case 'running_toilet': {
          const run = this.run(slot, f, () => {
            const rng = faultRng(this.seed, f.index)
            const litres = f.refillLitres ?? 1.5
            const period = (f.periodMinutes ?? 6) * 60_000
            return new RefillRun(rng, Math.max(f.startMs, t), litres, period, f.irregularity ?? 0.3)
          }) as RefillRun
          e.draws.push(...run.due(Math.min(t + dtMs, f.endMs)))
          break
        }
        case 'after_hours_load':
          e.extraW += (f.watts ?? 8000) * this.thermostat(slot, f, dtMs)
          break
        case 'kettle':
          e.resistiveW += f.watts ?? 2000
          break
        case 'heater':
          e.resistiveW += (f.watts ?? 1500) * this.thermostat(slot, f, dtMs)
          break
        case 'hair_dryer': {
          const run = this.run(slot, f, () => new HairDryerRun(faultRng(this.seed, f.index))) as HairDryerRun
          e.resistiveW += (f.watts ?? 1600) * run.share(t, dtMs)
          break
        }
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

  /** The state a fault keeps while it runs (made on its first step). */
  private run(slot: MeterSlot, f: ResolvedFault, make: () => FaultRun): FaultRun {
    let r = slot.runs.get(f.index)
    if (!r) {
      r = make()
      slot.runs.set(f.index, r)
    }
    return r
  }

  /** The share of the step an appliance on a thermostat is on (1 when it runs steadily). */
  private thermostat(
    slot: MeterSlot,
    f: ResolvedFault & { dutyCycle?: number; cycleMinutes?: number },
    dtMs: number,
  ) {
    if ((f.dutyCycle ?? 1) >= 1) return 1
    const run = this.run(
      slot,
      f,
      () => new ThermostatRun(faultRng(this.seed, f.index), f.dutyCycle!, f.cycleMinutes ?? 20),
    ) as ThermostatRun
    return run.share(dtMs)
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
        expectedRules: expectedRules(f.type),
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

/**
 * The meters a fault on `meterId` shows on: the meter, those upstream of it (parents add their
 * sub-meters), and for a heating circuit the room sensors of the buildings it heats.
 */
export function faultShowsOn(registry: Registry, meterId: string): Set<string> {
  const out = new Set<string>()
  const meter = registry.meters.get(meterId)
  for (let m = meter; m; m = m.parent) out.add(m.id)
  if (meter?.kind === 'heat') {
    for (const room of meter.school.meters.values())
      if (
        room.kind === 'temperature' &&
        room.config.placement !== 'outdoor' &&
        heatingCircuit(room.building) === meter
      )
        out.add(room.id)
  }
  return out
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
    circuitFor: heatingCircuit,
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
