/**
 * One model per meter kind: each keeps the physical state of what its meter measures, advances
 * it over a time step, and reads out the fields a real meter of that kind would publish.
 * Parents add their sub-meters' flows and loads, so a fault on a sub-meter shows on the main.
 */
import type { Occupancy, SchoolCalendar } from '../core/calendar.js'
import type { ReadingValues } from '../core/kinds.js'
import type { Meter } from '../core/registry.js'
import type { Fixture, HeatingHabits } from './life/index.js'
import {
  DORM_ROOM,
  DRAWS,
  type DrawKind,
  HEATING,
  PLANNED_FILL_LPM,
  POWER_USE,
  shapeAt,
  URINAL_PERIOD_MIN,
  WATER_USE,
} from './profiles.js'
import type { Rng } from './random.js'
import type { SunDay } from './sun.js'
import type { Weather } from './weather.js'

/** What active faults do to a meter during one step (filled by the engine). */
export interface Effects {
  /** Behaviour: multiplies the meter's own use. */
  usageFactor: number
  extraLpm: number
  /** Draws that start in this step (a cistern refilling through a leaking flapper). */
  draws: { litres: number; seconds: number }[]
  extraW: number
  resistiveW: number
  forceHeating: boolean
  deltaK?: number
  noHeat: boolean
  roomTowardC?: number
  roomTargetC?: number
}

export const noEffects = (): Effects => ({
  usageFactor: 1,
  extraLpm: 0,
  draws: [],
  extraW: 0,
  resistiveW: 0,
  forceHeating: false,
  noHeat: false,
})

export interface StepContext {
  t: number
  dtMs: number
  calendar: SchoolCalendar
  weather: Weather
  occupancy: Occupancy
  /** Local minute of day. */
  minute: number
  /** Sunrise and sunset of the local day. */
  sun: SunDay
  effects: Effects
}

export interface Model {
  readonly meter: Meter
  readonly rng: Rng
  children: Model[]
  step(ctx: StepContext): void
  values(): ReadingValues
  /** Register value, m³ or kWh (undefined for temperature sensors). */
  register?: number
  setRegister?(v: number): void
}

/** Registers start where steady average use since 2020 would have brought them, so that runs
 * started at different times (a restarted demo) continue roughly where the last one left off. */
const REFERENCE_MS = Date.UTC(2020, 0, 1)
function initialRegister(rng: Rng, perDay: number, start: number, modulus: number | undefined): number {
  const v = rng.uniform(10, 500) + (perDay * Math.max(0, start - REFERENCE_MS)) / 86_400_000
  return modulus ? v % (modulus * 0.9) : v
}

const round = (v: number, digits: number) => {
  const f = 10 ** digits
  return Math.round(v * f) / f
}

/** Size of the load a meter serves: its building's share, split among the building's meters of that kind. */
export interface Share {
  /** People in the building, divided among its meters. */
  people: number
  /** Floor area, m², divided among its meters. */
  areaM2: number
  /** Meter of a toilet space: timed urinal cisterns at night. */
  urinals: boolean
  /** Steady draw during planned-use windows (pool top-up). */
  plannedFill: boolean
  /** The school has boarders (dinner in the canteen). */
  boarding: boolean
}

interface Draw {
  startMs: number
  endMs: number
  lps: number
}

export class WaterModel implements Model {
  children: Model[] = []
  /** Fixtures of the school's normal life metered here (boilers, showers, cleaning, irrigation). */
  fixtures: Fixture[] = []
  register: number
  private draws: Draw[] = []
  private flowLps = 0

  constructor(
    readonly meter: Meter,
    readonly rng: Rng,
    private readonly share: Share,
    start: number,
  ) {
    // About 25 L per person per school day, five days in seven, 40 weeks a year.
    this.register = initialRegister(rng, (share.people * 25 * 0.45) / 1000, start, meter.registerModulus)
  }

  setRegister(v: number): void {
    this.register = v
  }

  private draw(kind: DrawKind, t: number): void {
    const d = DRAWS[kind]
    const litres = this.rng.uniform(d.litres[0], d.litres[1])
    const seconds = this.rng.uniform(d.seconds[0], d.seconds[1])
    this.draws.push({ startMs: t, endMs: t + seconds * 1000, lps: litres / seconds })
  }

  step(ctx: StepContext): void {
    const { t, dtMs, occupancy: occ, minute, effects } = ctx
    const use = WATER_USE[this.meter.building.use]
    const dtMin = dtMs / 60_000
    if (occ.occupied) {
      const k = shapeAt(use.shape, minute) * (this.share.people / 100) * dtMin * effects.usageFactor
      for (const kind of ['flush', 'tap', 'shower', 'kitchen'] as const) {
        // Nobody showers in a dormitory's quiet hours.
        if (kind === 'shower' && occ.quiet) continue
        const rate = use[kind]
        if (rate)
          for (let n = this.rng.poisson(rate * k); n > 0; n--) this.draw(kind, t + this.rng.uniform(0, dtMs))
      }
    } else if (
      occ.dayType !== 'school_day' &&
      minute >= 8 * 60 &&
      minute < 17 * 60 &&
      this.share.people > 0
    ) {
      // A caretaker on a day off: a flush now and then.
      if (this.rng.chance((dtMin / 180) * Math.min(1, this.share.people / 100))) this.draw('flush', t)
    }
    if (this.share.urinals && !occ.occupied) {
      const period = URINAL_PERIOD_MIN * 60_000
      if (Math.floor((t + dtMs) / period) > Math.floor(t / period)) this.draw('urinal', t)
    }
    for (const d of effects.draws)
      this.draws.push({ startMs: t, endMs: t + d.seconds * 1000, lps: d.litres / d.seconds })
    // Each draw counts for the part of the step it runs in, so the litres do not depend on the step.
    let own = 0
    let kept = 0
    for (const d of this.draws) {
      if (d.endMs > t) {
        own += (d.lps * (Math.min(d.endMs, t + dtMs) - Math.max(d.startMs, t))) / dtMs
        this.draws[kept++] = d
      }
    }
    this.draws.length = kept
    for (const f of this.fixtures) own += f.lps * effects.usageFactor
    if (this.share.plannedFill && fills(ctx.calendar.suppressedRules(this.meter, t)))
      own += PLANNED_FILL_LPM / 60
    own += effects.extraLpm / 60
    let children = 0
    for (const c of this.children) children += (c as WaterModel).flowLps
    this.flowLps = own + children
    this.register += (this.flowLps * dtMs) / 1000 / 1000
    if (this.meter.registerModulus && this.register >= this.meter.registerModulus)
      this.register -= this.meter.registerModulus
  }

  values(): ReadingValues {
    return { volume_m3: round(this.register, 4), flow_lpm: round(this.flowLps * 60, 4) }
  }
}

/**
 * A planned-use window is a fill (a pool topped up, a tank filled) when it expects water to run
 * without a break: it names continuous flow among the rules it quietens, or quietens them all. A
 * concert or a sports meet in the hall does not run a hose for hours.
 */
function fills(suppressed: Set<string> | 'all' | undefined): boolean {
  return suppressed === 'all' || (suppressed?.has('water.continuous_flow') ?? false)
}

export class ElectricityModel implements Model {
  children: Model[] = []
  /** Fixtures of the school's normal life metered here (lights, compressors, boilers, …). */
  fixtures: Fixture[] = []
  register: number
  powerW = 0
  private reactiveVar = 0
  private walk = 0
  private roomWalk = 0

  constructor(
    readonly meter: Meter,
    readonly rng: Rng,
    private readonly share: Share,
    private readonly dormRoom: boolean,
    start: number,
  ) {
    const avgW = dormRoom ? 50 : share.areaM2 * 3
    this.register = initialRegister(rng, (avgW * 24) / 1000, start, meter.registerModulus)
  }

  setRegister(v: number): void {
    this.register = v
  }

  private ownLoadW(ctx: StepContext): number {
    const { occupancy: occ, minute } = ctx
    if (this.dormRoom) {
      let w: number = DORM_ROOM.emptyW
      if (occ.occupied) {
        if (occ.quiet) w = DORM_ROOM.quietW
        else w = minute < 12 * 60 ? DORM_ROOM.morningW : DORM_ROOM.eveningW
        this.roomWalk += this.rng.normal(0, 4) - this.roomWalk * 0.02
        w += Math.max(-DORM_ROOM.walkSdW, Math.min(DORM_ROOM.walkSdW * 2, this.roomWalk))
      }
      return Math.max(3, w + this.rng.normal(0, 3))
    }
    const use = POWER_USE[this.meter.building.use]
    let w = use.baseWm2 * this.share.areaM2
    if (occ.occupied) w += use.occupiedWm2 * this.share.areaM2 * shapeAt(use.shape, minute)
    // Slow drift (AR(1)) and sample noise of a few per cent.
    this.walk = this.walk * 0.98 + this.rng.normal(0, 0.004)
    return Math.max(0, w * (1 + this.walk + this.rng.normal(0, 0.015)))
  }

  step(ctx: StepContext): void {
    const { dtMs, effects } = ctx
    const mixed = this.ownLoadW(ctx) * effects.usageFactor + effects.extraW
    // Mixed loads run near pf 0.92; resistive appliances at pf 1; fixtures say their own.
    let p = mixed + effects.resistiveW
    let q = mixed * 0.426
    for (const f of this.fixtures) {
      p += f.watts * effects.usageFactor
      q += f.vars * effects.usageFactor
    }
    for (const c of this.children) {
      const e = c as ElectricityModel
      p += e.powerW
      q += e.reactiveVar
    }
    this.powerW = p
    this.reactiveVar = q
    this.register += (p * dtMs) / 3.6e9
    if (this.meter.registerModulus && this.register >= this.meter.registerModulus)
      this.register -= this.meter.registerModulus
  }

  values(): ReadingValues {
    const p = this.powerW
    const s = Math.sqrt(p * p + this.reactiveVar * this.reactiveVar)
    const pf = s > 0 ? p / s : 1
    const voltage = 230 + this.rng.normal(0, 1.5)
    return {
      energy_kwh: round(this.register, 3),
      power_w: round(p, 1),
      pf: round(pf, 3),
      voltage_v: round(voltage, 1),
      current_a: round(s / voltage, 3),
    }
  }
}

/**
 * A building's heat balance in two nodes, air and mass (ISO 13790's simple hourly method cut
 * down to air and one mass node, its strong coupling kept): heat goes into the air, which
 * trades with the walls and floors and leaks outside; the mass leaks outside slowly. When the
 * heating stops, the air follows the mass down over the night — a room still near 18 °C at
 * 02:00 after the heating stopped at 21:40 — and after a cold weekend the heating needs hours,
 * and Monday's heat the mass's recharge. Units: kW, kWh per K, °C; `ua` is the building's loss
 * coefficient, kW/K, and `massHours` its mass's time constant (20 h light, 50 h heavy masonry).
 */
export class BuildingThermal {
  airC = Number.NaN
  massC = Number.NaN
  private readonly uaAir: number
  private readonly uaMass: number
  private readonly coupling: number
  private readonly airCapacity: number
  private readonly massCapacity: number

  constructor(
    readonly ua: number,
    massHours: number,
  ) {
    // Ventilation 30 % of the losses, the fabric 70 %; air and furniture some twenty minutes;
    // air to surfaces about 12 × the losses (ISO 13790: 9.1 W/m²K over 2.5 m² of surface per m²).
    this.uaAir = 0.3 * ua
    this.uaMass = 0.7 * ua
    this.coupling = 12 * ua
    this.airCapacity = 0.3 * ua
    this.massCapacity = massHours * ua
  }

  /** Heat into the air that brings it to `targetC` within a quarter of an hour, kW (unbounded). */
  demand(targetC: number, outdoorC: number, gainsKw: number): number {
    return (
      this.uaAir * (targetC - outdoorC) +
      this.coupling * (targetC - this.massC) +
      (this.airCapacity * (targetC - this.airC)) / 0.25 -
      gainsKw
    )
  }

  step(hours: number, heatKw: number, outdoorC: number, gainsKw: number): void {
    // Explicit steps of at most 36 s keep the air node (time constant 90 s) stable whatever the
    // simulation step.
    const n = Math.max(1, Math.ceil(hours * 100))
    const h = hours / n
    for (let i = 0; i < n; i++) {
      const toMass = this.coupling * (this.airC - this.massC)
      const air = heatKw + gainsKw - toMass - this.uaAir * (this.airC - outdoorC)
      const mass = toMass - this.uaMass * (this.massC - outdoorC)
      this.airC += (air * h) / this.airCapacity
      this.massC += (mass * h) / this.massCapacity
    }
  }

  settle(c: number): void {
    this.airC = c
    this.massC = c
  }
}

/**
 * Heat that is not the heating's: people and their lights and computers while the building is
 * in use, standby loads otherwise, and the sun through the windows between sunrise and sunset —
 * in kelvin of the building's loss coefficient (2.5 K occupied, 0.4 K empty, up to 1.5 K of sun).
 */
export function gainsK(occupied: boolean, t: number, sun: SunDay): number {
  const day = (t - sun.sunrise) / (sun.sunset - sun.sunrise)
  const solar = day > 0 && day < 1 ? 1.5 * Math.sin(Math.PI * day) : 0
  return (occupied ? 2.5 : 0.4) + solar
}

/** What a heating circuit is doing, for the rooms it heats. */
export interface HeatState {
  /** Air temperature the controller is driving toward, or undefined when it is off. */
  targetC?: number
  /** The building's air temperature now. */
  airC: number
}

export class HeatModel implements Model {
  children: Model[] = []
  register: number
  state: HeatState = { airC: Number.NaN }
  private readonly building: BuildingThermal
  private powerKw = 0
  private supplyC: number = HEATING.plantRoomC
  private returnC: number = HEATING.plantRoomC
  private flowM3h = 0

  constructor(
    readonly meter: Meter,
    readonly rng: Rng,
    areaM2: number,
    start: number,
    private readonly habits: HeatingHabits,
  ) {
    // Some 15 W/m² averaged over the year.
    this.register = initialRegister(rng, (areaM2 * 15 * 24) / 1000, start, meter.registerModulus)
    this.building = new BuildingThermal((HEATING.uaWm2K * areaM2) / 1000, habits.massHours)
  }

  setRegister(v: number): void {
    this.register = v
  }

  /** The air temperature the controller wants now: school hours (with preheat), setback, frost protection, or off. */
  private target(ctx: StepContext): number | undefined {
    const { t, calendar, occupancy, effects } = ctx
    const h = this.habits
    const local = calendar.local(t)
    if (!calendar.heatingSeason(local.date)) return undefined
    const outdoor = ctx.weather.outdoorC(t)
    if (effects.forceHeating) return h.occupiedC
    const soon = calendar.occupancy(this.meter.building, t + h.preheatMinutes * 60_000)
    if (occupancy.occupied || soon.occupied) return outdoor < h.occupiedC - 1 ? h.occupiedC : undefined
    // Night setback on school days only; days off get frost protection and nothing more.
    if (occupancy.dayType === 'school_day') return outdoor < h.setbackC ? h.setbackC : undefined
    return outdoor < HEATING.frostProtectionBelowC ? h.frostProtectionC : undefined
  }

  step(ctx: StepContext): void {
    const { t, dtMs, effects, occupancy } = ctx
    const outdoor = ctx.weather.outdoorC(t)
    const target = effects.noHeat ? undefined : this.target(ctx)
    const b = this.building
    const gains = gainsK(occupancy.occupied, t, ctx.sun) * b.ua
    if (Number.isNaN(b.airC)) b.settle(target ?? outdoor + 4)
    const hours = dtMs / 3_600_000
    const design = b.ua * (this.habits.occupiedC - HEATING.designOutdoorC)
    const maxKw = Math.min(this.meter.config.maxPowerKw ?? Number.POSITIVE_INFINITY, design * 2)
    const heat = target === undefined ? 0 : Math.min(maxKw, Math.max(0, b.demand(target, outdoor, gains)))
    b.step(hours, heat, outdoor, gains)
    this.state = target === undefined ? { airC: b.airC } : { targetC: target, airC: b.airC }
    // What the meter sees: the heat delivered (times a behaviour change, for savings scenarios).
    this.powerKw = heat * (1 + this.rng.normal(0, 0.02)) * effects.usageFactor
    if (target === undefined) {
      this.powerKw = 0
      this.flowM3h = 0
      // A failed heat source cools the circuit within the hour; a circuit switched off drifts slowly.
      const settle = effects.noHeat ? 25 : HEATING.plantRoomC
      const k = 1 - Math.exp(-hours / (effects.noHeat ? 0.4 : 2))
      this.supplyC += (settle - this.supplyC) * k
      this.returnC += (settle - 1 - this.returnC) * k
    } else {
      // Weather compensation: the supply follows the heating curve whether or not the valves open.
      const load = Math.min(1.2, (target - outdoor) / (this.habits.occupiedC - HEATING.designOutdoorC))
      const setpoint = this.meter.config.supplySetpointC ?? 65
      const curve = target + (setpoint - this.habits.occupiedC) * Math.max(0, load) ** 0.8
      const supply = Math.max(HEATING.minSupplyC, curve) + this.rng.normal(0, 0.3)
      if (effects.deltaK !== undefined) {
        // A bypass open (or a pump set too fast) keeps half the design flow going whenever the
        // pump runs: the heat delivered spreads over it, and ΔT stays small.
        const bypassM3h = (0.5 * design) / (1.163 * HEATING.designDeltaK)
        this.flowM3h = Math.max(this.powerKw / (1.163 * effects.deltaK), bypassM3h)
        this.supplyC = supply
        this.returnC = supply - Math.min(effects.deltaK, this.powerKw / (1.163 * this.flowM3h))
      } else {
        const deltaK = 7 + 13 * Math.min(1, this.powerKw / (design || 1))
        this.supplyC = supply
        this.returnC = supply - deltaK
        this.flowM3h = this.powerKw / (1.163 * deltaK)
      }
    }
    this.register += this.powerKw * hours
    if (this.meter.registerModulus && this.register >= this.meter.registerModulus)
      this.register -= this.meter.registerModulus
  }

  values(): ReadingValues {
    return {
      energy_kwh: round(this.register, 2),
      power_kw: round(this.powerKw, 2),
      supply_c: round(this.supplyC, 1),
      return_c: round(this.returnC, 1),
      flow_m3h: round(this.flowM3h, 3),
    }
  }
}

export class TemperatureModel implements Model {
  children: Model[] = []
  private tempC: number | undefined
  private humidity = 45
  /** A building without a heating circuit of its own, for a room sensor in it. */
  private readonly unheated: BuildingThermal | undefined
  /** This room against the building: a sunny south room is warmer, a corner room colder. */
  private readonly offsetC: number

  constructor(
    readonly meter: Meter,
    readonly rng: Rng,
    /** The circuit that heats this room (undefined: outdoor sensor, or an unheated building). */
    private readonly circuit: (() => HeatState) | undefined,
    habits?: HeatingHabits,
  ) {
    const room = meter.config.placement !== 'outdoor'
    this.offsetC = room ? rng.normal(0, 0.6) : 0
    this.unheated = room && !circuit ? new BuildingThermal(1, habits?.massHours ?? 40) : undefined
  }

  step(ctx: StepContext): void {
    const { t, dtMs, effects, occupancy } = ctx
    const outdoor = ctx.weather.outdoorC(t)
    this.humidity = Math.max(
      20,
      Math.min(90, this.humidity + this.rng.normal(0, 0.3) + (50 - this.humidity) * 0.002),
    )
    if (this.meter.config.placement === 'outdoor') {
      this.tempC = outdoor + this.rng.normal(0, 0.15)
      return
    }
    const hours = dtMs / 3_600_000
    let building: number
    if (this.unheated) {
      const b = this.unheated
      if (Number.isNaN(b.airC)) b.settle(outdoor + 4)
      b.step(hours, 0, outdoor, gainsK(occupancy.occupied, t, ctx.sun) * b.ua)
      // A pipe space sits in the unheated building's cold corners.
      building = b.airC - (this.meter.config.placement === 'pipe' ? 2 : 0)
    } else building = this.circuit!().airC
    let equilibrium: number
    let tauH: number
    if (effects.roomTowardC !== undefined) {
      equilibrium = effects.roomTowardC
      tauH = 1
    } else if (effects.roomTargetC !== undefined) {
      equilibrium = effects.roomTargetC
      tauH = 1.2
    } else {
      equilibrium = building + this.offsetC + (occupancy.occupied ? 0.5 : 0)
      tauH = 0.3
    }
    if (this.tempC === undefined) this.tempC = equilibrium
    this.tempC += (equilibrium - this.tempC) * (1 - Math.exp(-hours / tauH))
  }

  values(): ReadingValues {
    return {
      temp_c: round((this.tempC ?? 20) + this.rng.normal(0, 0.05), 1),
      humidity_pct: round(this.humidity, 1),
    }
  }
}
