/**
 * Faults with a life of their own inside their window: a heater or an air conditioner on its
 * thermostat, a hair dryer switched between settings, a leaking flapper refilling its cistern at
 * uneven intervals. Each keeps its state here, drawn from its own random stream, so a fault
 * changes nothing but its own meter.
 */
import { Cycle } from './life/fixture.js'
import { Rng } from './random.js'

const MIN = 60_000

/** On and off on a thermostat: `duty` of each `cycleMinutes` on, the spells varying by a quarter. */
export class ThermostatRun {
  private readonly cycle: Cycle

  constructor(
    rng: Rng,
    private readonly duty: number,
    private readonly cycleMinutes: number,
  ) {
    this.cycle = new Cycle(rng, duty * cycleMinutes * MIN, (1 - duty) * cycleMinutes * MIN)
  }

  /** The share of the step it is on. */
  share(dtMs: number): number {
    if (this.duty >= 1) return 1
    return this.cycle.step(
      dtMs,
      this.duty * this.cycleMinutes * MIN,
      (1 - this.duty) * this.cycleMinutes * MIN,
    )
  }
}

/**
 * A hair dryer in use: full heat (1–2 kW), then the lower setting (about 55 %), now and then
 * switched off for a few seconds; each setting held 15–90 s.
 */
export class HairDryerRun {
  private level = 1
  private untilMs = 0

  constructor(private readonly rng: Rng) {}

  /** The share of the rated power drawn over the step. */
  share(t: number, dtMs: number): number {
    let sum = 0
    let done = 0
    while (done < dtMs) {
      if (t + done >= this.untilMs) {
        const r = this.rng.next()
        if (r < 0.55) {
          this.level = 1
          this.untilMs = t + done + this.rng.uniform(15, 90) * 1000
        } else if (r < 0.9) {
          this.level = this.rng.uniform(0.5, 0.6)
          this.untilMs = t + done + this.rng.uniform(15, 90) * 1000
        } else {
          this.level = 0
          this.untilMs = t + done + this.rng.uniform(3, 15) * 1000
        }
      }
      const d = Math.min(dtMs - done, this.untilMs - (t + done))
      sum += this.level * d
      done += d
    }
    return sum / dtMs
  }
}

/**
 * A leaking flapper: water seeps into the bowl until the float drops far enough to open the fill
 * valve, which tops the cistern up by a fraction of a flush (0.5–3 L) in seconds. The leak rate
 * wavers as the flapper shifts, so the refills come at uneven intervals around their mean.
 */
export class RefillRun {
  private nextMs: number

  constructor(
    private readonly rng: Rng,
    startMs: number,
    private readonly litres: number,
    private readonly periodMs: number,
    private readonly irregularity: number,
  ) {
    this.nextMs = startMs + this.gap()
  }

  private gap(): number {
    return this.periodMs * Math.max(0.2, this.rng.uniform(1 - this.irregularity, 1 + this.irregularity))
  }

  /** The refills that start before `untilMs`: litres and how long each takes (fill valve 6–12 L/min). */
  due(untilMs: number): { litres: number; seconds: number }[] {
    const out: { litres: number; seconds: number }[] = []
    while (this.nextMs < untilMs) {
      const litres = this.litres * this.rng.uniform(0.9, 1.1)
      out.push({ litres, seconds: (litres / this.rng.uniform(6, 12)) * 60 })
      this.nextMs += this.gap()
    }
    return out
  }
}

export type FaultRun = ThermostatRun | HairDryerRun | RefillRun

export const faultRng = (seed: string, index: number) => new Rng(`${seed}|fault|${index}`)
