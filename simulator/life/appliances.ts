/**
 * Appliances that run day and night on their own controls: refrigeration, drinking-water
 * boilers, the network room, the guard lodge at the gate, a workshop's air compressor.
 */
import type { Building } from '../../core/registry.js'
import type { Rng } from '../random.js'
import { Cycle, type Fixture, inWindow, type LifeContext, tanPhi } from './fixture.js'

const MIN = 60_000

export interface CompressorOptions {
  what: string
  /** Running power, W, and its power factor (induction motor: 0.75–0.85). */
  watts: number
  pf: number
  /** Mean on and off spells at 20 °C ambient with the doors shut, minutes. */
  onMin: number
  offMin: number
  /** Extra running while the building is in use (doors opened, warm kitchen): off spells shorter by this share. */
  busyShare?: number
  /** Freezers defrost: a resistive heater of `watts` for `minutes` every `everyHours`, compressor off. */
  defrost?: { everyHours: number; minutes: number; watts: number }
  /** Lights and fans that never stop (vending machine front, evaporator fans), W. */
  steadyW?: number
  /** The building whose use makes the compressor work harder. */
  building?: Building
}

/**
 * A refrigeration compressor on its thermostat: a walk-in cold room (1–3 kW, on 10–25 min, off
 * 8–20 min), a reach-in fridge or freezer (150–500 W), a staff-room fridge (80–150 W), a vending
 * machine (200–400 W with a 50–100 W lit front), a split air conditioner. Warmer weather and a
 * busy kitchen lengthen its runs; a freezer stops for a resistive defrost every 6–12 h.
 */
export class Compressor implements Fixture {
  readonly name: string
  watts = 0
  vars = 0
  lps = 0
  private readonly cycle: Cycle
  private nextDefrost: number | undefined
  private defrostUntil = 0

  constructor(
    private readonly rng: Rng,
    private readonly o: CompressorOptions,
  ) {
    this.name = `${o.what} (${Math.round(o.watts)} W, on ${o.onMin.toFixed(0)} / off ${o.offMin.toFixed(0)} min)`
    this.cycle = new Cycle(rng, o.onMin * MIN, o.offMin * MIN)
  }

  step(ctx: LifeContext): void {
    const { t, dtMs, outdoorC, calendar } = ctx
    const o = this.o
    const steady = o.steadyW ?? 0
    if (o.defrost) {
      this.nextDefrost ??= t + this.rng.uniform(0, o.defrost.everyHours) * 3_600_000
      if (t >= this.nextDefrost) {
        this.defrostUntil = t + o.defrost.minutes * MIN * this.rng.uniform(0.85, 1.15)
        this.nextDefrost = t + o.defrost.everyHours * 3_600_000 * this.rng.uniform(0.9, 1.1)
      }
      if (t < this.defrostUntil) {
        this.cycle.stop(o.onMin * MIN * 0.5)
        this.watts = o.defrost.watts + steady
        this.vars = steady * 0.3
        return
      }
    }
    // Indoor ambient follows the weather a little: some 1.5 % more running per K above 15 °C.
    const warm = Math.min(1.35, Math.max(0.85, 1 + 0.015 * (outdoorC - 15)))
    const busy = o.building && calendar.occupancy(o.building, t).occupied ? 1 - (o.busyShare ?? 0) : 1
    const share = this.cycle.step(dtMs, o.onMin * MIN * warm, (o.offMin * MIN * busy) / warm)
    this.watts = o.watts * share + steady
    this.vars = o.watts * share * tanPhi(o.pf) + steady * 0.3
  }
}

export interface BoilerOptions {
  /** Element power, W (3–9 kW), tank, L (30–120), standby loss at temperature, W (150–350). */
  heaterW: number
  tankL: number
  lossW: number
  /** Litres of boiled water taken on a school day. */
  litresPerDay: number
  /** Off from `offMin` to `onMin` local time and on days the building is empty (a timer), or on for good. */
  timer?: { onMin: number; offMin: number }
  building: Building
}

/**
 * An electric drinking-water boiler (开水器), one per floor or two of Chinese schools and
 * dormitories: a resistive element keeps a tank near boiling. Cups taken at breaks bring in cold
 * water (metered on the building's water meter) and a reheat; at night standby losses make it
 * reheat for a few minutes every hour or two — unless a timer switches it off.
 */
export class DrinkingWaterBoiler implements Fixture {
  readonly name: string
  watts = 0
  vars = 0
  lps = 0
  private tempC = 96
  private heating = false

  constructor(
    private readonly rng: Rng,
    private readonly o: BoilerOptions,
  ) {
    this.name = `drinking-water boiler (${o.heaterW} W, ${Math.round(o.tankL)} L${o.timer ? ', on a timer' : ', always on'})`
  }

  step(ctx: LifeContext): void {
    const { t, dtMs, calendar, local } = ctx
    const o = this.o
    const occ = calendar.occupancy(o.building, t)
    const seconds = dtMs / 1000
    let drawnL = 0
    if (occ.occupied && !occ.quiet) {
      // Busiest at the morning arrival and the breaks: a third of the day's cups in four short peaks.
      const peak = local.minute % 100 < 12 ? 3 : 1
      const mean = ((o.litresPerDay / (10 * 3600)) * seconds * peak) / 1.4
      drawnL = mean > 0 ? this.rng.poisson(mean / 0.3) * 0.3 : 0
    }
    const on =
      !o.timer || (inWindow(local.minute, o.timer.onMin, o.timer.offMin) && occ.dayType === 'school_day')
    if (drawnL > 0) this.tempC = (this.tempC * (o.tankL - drawnL) + 12 * drawnL) / o.tankL
    if (on) {
      if (this.tempC < 92) this.heating = true
      if (this.tempC >= 99) this.heating = false
    } else this.heating = false
    const loss = (o.lossW * (this.tempC - 20)) / 76
    const heat = this.heating ? o.heaterW : 0
    this.tempC += ((heat - loss) * seconds) / (o.tankL * 4186)
    this.tempC = Math.max(15, this.tempC)
    this.watts = heat
    this.vars = 0
    this.lps = drawnL / seconds
  }
}

/**
 * The network and server room: switches, a server or two and the CCTV recorders, 0.5–3 kW day
 * and night, cooled by a split air conditioner whose compressor cycles harder in warm weather.
 */
export class NetworkRoom implements Fixture {
  readonly name: string
  watts = 0
  vars = 0
  lps = 0
  private readonly cooling: Compressor

  constructor(
    private readonly rng: Rng,
    private readonly itW: number,
    coolingW: number,
  ) {
    this.name = `network room (${Math.round(itW)} W IT, ${Math.round(coolingW)} W cooling)`
    this.cooling = new Compressor(rng, {
      what: 'server-room AC',
      watts: coolingW,
      pf: 0.85,
      onMin: 9,
      offMin: 12,
    })
  }

  step(ctx: LifeContext): void {
    this.cooling.step(ctx)
    const it = this.itW * (1 + this.rng.normal(0, 0.01))
    this.watts = it + this.cooling.watts
    this.vars = it * tanPhi(0.95) + this.cooling.vars
  }
}

/**
 * The guard lodge at the gate (门卫室), staffed day and night all year: lights, the CCTV screens
 * and a PC (100–300 W), an oil-filled radiator (1.5–2 kW on its thermostat) when it is cold or a
 * small air conditioner when it is hot, and the guard's kettle a few times a day.
 */
export class GuardLodge implements Fixture {
  readonly name: string
  watts = 0
  vars = 0
  lps = 0
  private readonly heater: ReturnType<typeof makeCycle>
  private readonly ac: ReturnType<typeof makeCycle>
  private kettleUntil = 0

  constructor(
    private readonly rng: Rng,
    private readonly baseW: number,
    private readonly heaterW: number,
    private readonly acW: number,
  ) {
    this.name = `guard lodge (${Math.round(baseW)} W, radiator ${heaterW} W, AC ${Math.round(acW)} W)`
    this.heater = makeCycle(rng)
    this.ac = makeCycle(rng)
  }

  step(ctx: LifeContext): void {
    const { t, dtMs, outdoorC, local } = ctx
    let w = this.baseW * (local.minute >= 6 * 60 && local.minute < 18 * 60 ? 0.7 : 1)
    let resistive = 0
    // The colder it is, the longer the radiator's thermostat keeps it on (duty 30–80 %).
    if (outdoorC < 10) {
      const duty = Math.min(0.8, 0.3 + (10 - outdoorC) * 0.025)
      resistive += this.heaterW * this.heater.step(dtMs, duty * 20 * MIN, (1 - duty) * 20 * MIN)
    }
    if (outdoorC > 26) {
      const duty = Math.min(0.85, 0.35 + (outdoorC - 26) * 0.05)
      w += this.acW * this.ac.step(dtMs, duty * 15 * MIN, (1 - duty) * 15 * MIN)
    }
    // About six brews a day, at any hour: the lodge is staffed around the clock.
    if (t >= this.kettleUntil && this.rng.chance((6 / 86_400_000) * dtMs))
      this.kettleUntil = t + this.rng.uniform(2.5, 4) * MIN
    if (t < this.kettleUntil) resistive += 1800
    this.watts = w + resistive
    this.vars = w * tanPhi(0.85)
  }
}

const makeCycle = (rng: Rng) => new Cycle(rng, 10 * MIN, 10 * MIN)

/**
 * A workshop's screw compressor for compressed air (5–15 kW): while the workshop works it
 * loads and unloads with the tools' demand; after hours it is either switched off or — left on —
 * keeps topping up what the pipework leaks, a short run every 10–40 minutes all night.
 */
export class AirCompressor implements Fixture {
  readonly name: string
  watts = 0
  vars = 0
  lps = 0
  private readonly cycle: Cycle

  constructor(
    rng: Rng,
    private readonly o: {
      watts: number
      leftOn: boolean
      leakRunMin: number
      leakGapMin: number
      building: Building
    },
  ) {
    this.name = `workshop air compressor (${o.watts} W, ${o.leftOn ? 'left on after hours' : 'switched off after hours'})`
    this.cycle = new Cycle(rng, 3 * MIN, 3 * MIN)
  }

  step(ctx: LifeContext): void {
    const { t, dtMs, calendar } = ctx
    const occupied = calendar.occupancy(this.o.building, t).occupied
    let share = 0
    if (occupied) share = this.cycle.step(dtMs, 4 * MIN, 3 * MIN)
    else if (this.o.leftOn) share = this.cycle.step(dtMs, this.o.leakRunMin * MIN, this.o.leakGapMin * MIN)
    // Unloaded running between loads draws some 30 % of full power.
    const w = this.o.watts * (occupied ? 0.3 + 0.7 * share : share)
    this.watts = w
    this.vars = w * tanPhi(0.85)
  }
}
