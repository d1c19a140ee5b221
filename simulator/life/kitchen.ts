/**
 * A school kitchen's big machines around each meal: rice-steaming cabinets before it, the
 * dishwasher after it. Day schools cook lunch; boarding schools breakfast (from before dawn) and
 * dinner too, and schools with evening self-study dinner.
 */
import { Rng } from '../random.js'
import { Cycle, Daily, type Fixture, type LifeContext, tanPhi } from './fixture.js'

const MIN = 60_000

export interface KitchenOptions {
  /** Local minutes meals may be served at (each is cooked when someone is there to eat it). */
  meals: number[]
  /** Steaming cabinets (蒸饭柜): count, W each (12–24 kW), minutes before the meal they start, and run. */
  steamers: number
  steamerW: number
  steamLeadMin: number
  steamRunMin: number
  /** Dishwasher: tank fill, L; rinse, L/min; tank heater, W; run after each meal, minutes. */
  tankL: number
  rinseLpm: number
  tankHeaterW: number
  washMin: number
}

/**
 * Steaming cabinets are resistive (pf 1), run flat out and top up their water trays as they start;
 * the dishwasher's tank is filled once for each wash (60–150 L at 25 L/min), its rinse runs
 * 3–8 L/min while racks pass, and its tank heater cycles on its thermostat.
 */
export class Kitchen implements Fixture {
  readonly name: string
  watts = 0
  vars = 0
  lps = 0
  private readonly heater: Cycle
  private readonly today: Daily<{ offsets: number[]; served: boolean[] }>

  constructor(
    key: string,
    private readonly rng: Rng,
    private readonly o: KitchenOptions,
    private readonly startOfDay: (day: number) => number,
    private readonly calendarOccupied: (ms: number) => boolean,
  ) {
    this.name = `kitchen (${o.meals.length} meals, ${o.steamers} steamers × ${o.steamerW} W, dishwasher ${Math.round(o.tankL)} L)`
    this.heater = new Cycle(rng, 4 * MIN, 4 * MIN)
    this.today = new Daily((day) => {
      const r = new Rng(`${key}|${day}`)
      const midnight = this.startOfDay(day)
      return {
        offsets: o.meals.map(() => r.uniform(-8, 8)),
        // Cooked when people are in both an hour before and an hour after: boarders' breakfast,
        // everyone's lunch, dinner for boarders and for evening self-study.
        served: o.meals.map(
          (m) =>
            this.calendarOccupied(midnight + (m - 60) * MIN) &&
            this.calendarOccupied(midnight + (m + 60) * MIN),
        ),
      }
    })
  }

  step(ctx: LifeContext): void {
    const { dtMs, local } = ctx
    const o = this.o
    const day = this.today.of(local.day)
    let w = 0
    let lps = 0
    let washing = false
    for (let i = 0; i < o.meals.length; i++) {
      if (!day.served[i]) continue
      const meal = o.meals[i]! + day.offsets[i]!
      const steamFrom = meal - o.steamLeadMin
      for (let s = 0; s < o.steamers; s++) {
        // Cabinets are started a few minutes apart.
        const from = steamFrom + s * 6
        if (local.minute >= from && local.minute < from + o.steamRunMin) w += o.steamerW
        // Each cabinet's water tray is topped up as it starts: some 15 L at 10 L/min.
        if (local.minute >= from && local.minute < from + 1.5) lps += 10 / 60
      }
      const washFrom = meal + 25
      const into = local.minute - washFrom
      if (into >= 0 && into < o.washMin) {
        washing = true
        const fillMin = o.tankL / 25
        if (into < fillMin) lps += 25 / 60
        else lps += (o.rinseLpm * (0.7 + 0.6 * this.rng.next())) / 60
      }
    }
    const heaterShare = washing ? this.heater.step(dtMs, 4 * MIN, 4 * MIN) : 0
    const motors = washing ? 1500 : 0
    this.watts = w + o.tankHeaterW * heaterShare + motors
    this.vars = motors * tanPhi(0.8)
    this.lps = lps
  }
}
