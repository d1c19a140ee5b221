/**
 * Water use with a schedule of its own: boarders' shower evenings (and the heat pump that
 * reheats their hot water), cleaners' rounds through the toilets, irrigation on warm evenings.
 */
import type { DayType } from '../../core/calendar.js'
import type { Building } from '../../core/registry.js'
import { Rng } from '../random.js'
import { Daily, Draws, type Fixture, inWindow, type LifeContext, tanPhi } from './fixture.js'

const MIN = 60_000

export interface ShowerOptions {
  /** Weekdays (0 = Monday) with a shower evening, and its local start minute. */
  weekdays: number[]
  startMin: number
  /** Length of the evening, minutes (about 100). */
  minutes: number
  /** Shower heads, and litres per minute each (6–9): 30–50 L/min with every head busy. */
  heads: number
  lpmPerHead: number
  /** Heat pump reheating the hot-water tank: electric W, and the local minute it may start (valley tariff), or undefined to start as soon as showers end. */
  heatPumpW: number
  reheatFromMin?: number
  dormitory: Building
}

/**
 * Boarders' shower evenings: in many boarding schools the bathhouse or the dormitory's showers
 * open on two or three fixed evenings a week for about 100 minutes, every head busy with a
 * queue waiting — 30–50 L/min on the dormitory's meter, more than 20 % of a small meter's Q3.
 * The hot water (some 60 % of it, heated by 40 K) is made again by an air-source heat pump
 * (COP ≈ 3) right after, or from 23:00 at the night (valley) tariff.
 */
export class ShowerEvenings implements Fixture {
  readonly name: string
  watts = 0
  vars = 0
  lps = 0
  private busy = 0
  private reheatKwh = 0
  private readonly evening: Daily<{ start: number; end: number; fill: number }>

  constructor(
    key: string,
    private readonly rng: Rng,
    private readonly o: ShowerOptions,
  ) {
    this.name = `shower evenings (${o.heads} heads × ${o.lpmPerHead.toFixed(1)} L/min, ${Math.round(o.minutes)} min)`
    this.evening = new Daily((day) => {
      const r = new Rng(`${key}|${day}`)
      const start = o.startMin + r.uniform(-5, 8)
      return { start, end: start + o.minutes * r.uniform(0.9, 1.1), fill: r.uniform(0.75, 1) }
    })
  }

  step(ctx: LifeContext): void {
    const { t, dtMs, local, calendar } = ctx
    const o = this.o
    const e = this.evening.of(local.day)
    const occ = calendar.occupancy(o.dormitory, t)
    const open =
      o.weekdays.includes(local.weekday) &&
      occ.occupied &&
      occ.dayType === 'school_day' &&
      local.minute >= e.start &&
      local.minute < e.end
    let wanted = 0
    if (open) {
      // Queues build in the first ten minutes and thin out in the last fifteen.
      const ramp = Math.min(1, (local.minute - e.start) / 10, (e.end - local.minute) / 15)
      wanted = o.heads * e.fill * Math.max(0.15, ramp)
    }
    // Each head is turned on and off by whoever stands under it: the count moves a head at a time.
    const rate = dtMs / 20_000
    if (this.rng.chance(Math.min(1, rate)))
      this.busy += Math.sign(Math.round(wanted + this.rng.normal(0, 0.8)) - this.busy)
    if (!open) this.busy = Math.max(0, Math.min(this.busy, Math.floor(wanted)))
    this.busy = Math.max(0, Math.min(o.heads, this.busy))
    const lpm = this.busy * o.lpmPerHead * (1 + this.rng.normal(0, 0.03))
    this.lps = Math.max(0, lpm) / 60
    // 60 % hot water heated by 40 K: 1.163 Wh per litre and kelvin, over the heat pump's COP of 3.
    this.reheatKwh += (this.lps * (dtMs / 1000) * 0.6 * 40 * 1.163) / 3 / 1000
    const mayReheat =
      !open && (o.reheatFromMin === undefined || inWindow(local.minute, o.reheatFromMin, 7 * 60))
    if (mayReheat && this.reheatKwh > 0.05) {
      const kwh = Math.min(this.reheatKwh, (o.heatPumpW * dtMs) / 3.6e9)
      this.reheatKwh -= kwh
      this.watts = (kwh * 3.6e9) / dtMs
    } else this.watts = 0
    this.vars = this.watts * tanPhi(0.9)
  }
}

export interface CleaningOptions {
  /** When the rounds are: weekdays (0 = Monday), the local start minute, and on which kind of day. */
  weekdays: number[]
  startMin: number
  dayTypes: DayType[]
  /** Cisterns on the round, flushed one every 2–4 minutes; mop buckets filled. */
  cisterns: number
  buckets: number
  /** Lights and the floor machine on while they clean, W. */
  lightsW: number
  building: Building
}

/**
 * Cleaners' rounds in an empty building: every toilet flushed (a full 6 L cistern, refilled in
 * about a minute) one after another every 2–4 minutes, a few 10–15 L mop buckets filled at the
 * cleaner's sink, the lights on while they work. Some rounds are skipped, and each starts within
 * half an hour of its usual time.
 */
export class CleaningRounds implements Fixture {
  readonly name: string
  watts = 0
  vars = 0
  lps = 0
  private readonly draws = new Draws()
  private nextFlush = 0
  private flushed = 0
  private filled = 0
  private roundDay = Number.NaN
  private readonly plan: Daily<{ go: boolean; start: number }>

  constructor(
    key: string,
    private readonly rng: Rng,
    private readonly o: CleaningOptions,
  ) {
    this.name = `cleaning rounds (${o.cisterns} cisterns, ${o.buckets} buckets)`
    this.plan = new Daily((day) => {
      const r = new Rng(`${key}|${day}`)
      return { go: r.chance(0.85), start: o.startMin + r.uniform(-15, 30) }
    })
  }

  step(ctx: LifeContext): void {
    const { t, dtMs, local, calendar } = ctx
    const o = this.o
    const plan = this.plan.of(local.day)
    const occ = calendar.occupancy(o.building, t)
    const today =
      plan.go &&
      o.weekdays.includes(local.weekday) &&
      o.dayTypes.includes(occ.dayType) &&
      !occ.occupied &&
      local.minute >= plan.start
    if (today && this.roundDay !== local.day) {
      this.roundDay = local.day
      this.flushed = 0
      this.filled = 0
      this.nextFlush = t
    }
    const working = this.roundDay === local.day && this.flushed < o.cisterns && !occ.occupied
    if (working && t >= this.nextFlush) {
      const litres = this.rng.uniform(5.6, 6.4)
      const seconds = this.rng.uniform(55, 85)
      this.draws.add(t + seconds * 1000, litres / seconds)
      this.flushed++
      this.nextFlush = t + this.rng.uniform(2, 4) * MIN
      // Between toilets, now and then, a mop bucket at the sink.
      if (this.filled < o.buckets && this.rng.chance(o.buckets / o.cisterns)) {
        const bucket = this.rng.uniform(10, 15)
        this.draws.add(t + (bucket / 11) * MIN, 11 / 60)
        this.filled++
      }
    }
    this.lps = this.draws.flow(t, dtMs)
    this.watts = working || this.draws.size > 0 ? o.lightsW : 0
    this.vars = this.watts * tanPhi(0.95)
  }
}

export interface IrrigationOptions {
  /** Controller start, local minute; zones run one after another. */
  startMin: number
  zones: { minutes: number; lpm: number }[]
  /** Waters only when the afternoon was warmer than this, °C, and not on rainy days. */
  warmerThanC: number
  /** Every day, or every other day. */
  everyDays: 1 | 2
}

/**
 * A lawn and sports-field irrigation controller: on warm, dry days the zones run one after
 * another at the same time each evening or early morning, 20–60 L/min each for 15–30 minutes.
 * A rain sensor skips wet days (about one warm day in four here).
 */
export class Irrigation implements Fixture {
  readonly name: string
  watts = 0
  vars = 0
  lps = 0
  private readonly day: Daily<boolean>
  private readonly totalMin: number

  constructor(
    key: string,
    private readonly rng: Rng,
    private readonly o: IrrigationOptions,
    warmAt: (day: number) => number,
  ) {
    this.totalMin = o.zones.reduce((a, z) => a + z.minutes, 0)
    this.name = `irrigation (${o.zones.length} zones, ${this.totalMin} min from ${Math.floor(o.startMin / 60)}:${String(o.startMin % 60).padStart(2, '0')})`
    this.day = new Daily((day) => {
      const r = new Rng(`${key}|${day}`)
      return day % o.everyDays === 0 && warmAt(day) > o.warmerThanC && !r.chance(0.25)
    })
  }

  step(ctx: LifeContext): void {
    const { local } = ctx
    this.lps = 0
    const into = local.minute - this.o.startMin
    if (into < 0 || into >= this.totalMin || !this.day.of(local.day)) return
    let at = 0
    for (const z of this.o.zones) {
      if (into < at + z.minutes) {
        this.lps = (z.lpm * (1 + this.rng.normal(0, 0.02))) / 60
        return
      }
      at += z.minutes
    }
  }
}
