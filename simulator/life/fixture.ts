/**
 * A fixture: one thing of a school's normal life that draws power or water on its own schedule —
 * yard lights on a photocell, a freezer's compressor, the drinking-water boiler, boarders' shower
 * evenings, cleaners flushing every cistern. The engine steps every fixture of a school once per
 * time step, before the meters, and each meter adds the fixtures it feeds.
 */
import type { LocalTime, SchoolCalendar } from '../../core/calendar.js'
import type { Building } from '../../core/registry.js'
import type { Rng } from '../random.js'
import type { SunDay } from '../sun.js'

export interface LifeContext {
  /** Start of the step, epoch ms, and its length. */
  t: number
  dtMs: number
  /** The school's local time at `t`. */
  local: LocalTime
  calendar: SchoolCalendar
  outdoorC: number
  /** Sunrise and sunset of the local day. */
  sun: SunDay
}

export interface Fixture {
  /** What it is, in a few words (ground for the docs and for debugging). */
  readonly name: string
  /** Advances one step; afterwards the fields below hold the step's mean draw. */
  step(ctx: LifeContext): void
  /** Active power, W, and reactive power, var, on the electricity meter it hangs on. */
  watts: number
  vars: number
  /** Water drawn, L/s, through the water meter it hangs on. */
  lps: number
}

/** tan φ for a power factor: the reactive power per watt. */
export const tanPhi = (pf: number): number => Math.sqrt(1 - pf * pf) / pf

/** Where a fixture's power and water are metered (either may be missing). */
export interface Placement {
  fixture: Fixture
  electricity?: string
  water?: string
}

/** Minutes since local midnight within [from, to), across midnight when `to` ≤ `from`. */
export function inWindow(minute: number, from: number, to: number): boolean {
  return from < to ? minute >= from && minute < to : minute >= from || minute < to
}

/**
 * A thermostat or a compressor: on for a while, off for a while, each spell drawn around its
 * mean. Returns the share of the step it was on, so a 60-s step and a 10-s step meter the same.
 */
export class Cycle {
  on: boolean
  private leftMs: number

  constructor(
    private readonly rng: Rng,
    meanOnMs: number,
    meanOffMs: number,
  ) {
    this.on = rng.chance(meanOnMs / (meanOnMs + meanOffMs))
    this.leftMs = rng.uniform(0, this.on ? meanOnMs : meanOffMs)
  }

  step(dtMs: number, meanOnMs: number, meanOffMs: number, spread = 0.25): number {
    let onMs = 0
    let done = 0
    while (done < dtMs) {
      const d = Math.min(this.leftMs, dtMs - done)
      if (this.on) onMs += d
      done += d
      this.leftMs -= d
      if (this.leftMs <= 0) {
        this.on = !this.on
        this.leftMs = Math.max(
          5_000,
          (this.on ? meanOnMs : meanOffMs) * this.rng.uniform(1 - spread, 1 + spread),
        )
      }
    }
    return onMs / dtMs
  }

  /** Switched off from outside (a timer, a schedule): the next start waits a full off spell. */
  stop(meanOffMs: number): void {
    this.on = false
    this.leftMs = meanOffMs
  }
}

/** Whether any of these buildings is occupied at an instant. */
export function anyOccupied(calendar: SchoolCalendar, buildings: readonly Building[], ms: number): boolean {
  for (const b of buildings) if (calendar.occupancy(b, ms).occupied) return true
  return false
}

/** A random stream per local day, made on the first ask of each day (day-to-day variation). */
export class Daily<T> {
  private day = Number.NaN
  private value!: T

  constructor(private readonly make: (day: number) => T) {}

  of(day: number): T {
    if (day !== this.day) {
      this.day = day
      this.value = this.make(day)
    }
    return this.value
  }
}

/** Draws of water under way (a flush refilling, a bucket filling): each a flow until it ends. */
export class Draws {
  private readonly list: { until: number; lps: number }[] = []

  add(until: number, lps: number): void {
    this.list.push({ until, lps })
  }

  get size(): number {
    return this.list.length
  }

  /** Mean flow over the step from `t`, L/s; draws that have ended are dropped. */
  flow(t: number, dtMs: number): number {
    let lps = 0
    let kept = 0
    for (const d of this.list) {
      if (d.until > t) {
        lps += d.lps * Math.min(1, (d.until - t) / dtMs)
        this.list[kept++] = d
      }
    }
    this.list.length = kept
    return lps
  }
}
