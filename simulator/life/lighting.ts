/**
 * Yard, street and façade lighting: on from dusk to dawn every night of the year — weekends,
 * holidays and vacations included — on the school's incomer.
 *
 * - A photocell switches at 10–50 lux, some 5–25 min after sunset and before sunrise, earlier on
 *   dark, overcast evenings: its switching times move by ± 10 min from day to day.
 * - An astronomical timer computes sunset and sunrise for the site and switches at a fixed offset,
 *   to the minute; many run "part-night": half the lamps off from about midnight to 05:00.
 * Lamps: LED 60–150 W (pf ≈ 0.95, full light at once) or high-pressure sodium 100–250 W
 * (pf ≈ 0.9 with compensation, 3–5 min to warm up).
 */
import { Rng } from '../random.js'
import { Daily, type Fixture, inWindow, type LifeContext, tanPhi } from './fixture.js'

export interface YardLightsOptions {
  /** Installed lamp power, W. */
  watts: number
  control: 'photocell' | 'astronomical'
  led: boolean
  /** Minutes after sunset the lights come on, and before sunrise they go off. */
  afterSunsetMin: number
  beforeSunriseMin: number
  /** Part-night switching: this share of the lamps off between these local minutes. */
  partNight?: { fromMin: number; toMin: number; share: number }
}

export class YardLights implements Fixture {
  readonly name: string
  watts = 0
  vars = 0
  lps = 0
  private level = 0
  private readonly jitter: Daily<[dusk: number, dawn: number]>

  constructor(
    key: string,
    private readonly o: YardLightsOptions,
  ) {
    this.name = `yard lights (${o.control}, ${Math.round(o.watts)} W ${o.led ? 'LED' : 'sodium'})`
    // A photocell sees the weather: dark evenings switch on earlier, bright mornings off earlier.
    this.jitter = new Daily((day) => {
      if (o.control === 'astronomical') return [0, 0]
      const r = new Rng(`${key}|${day}`)
      return [r.normal(0, 6) - (r.chance(0.3) ? r.uniform(5, 15) : 0), r.normal(0, 6)]
    })
  }

  step(ctx: LifeContext): void {
    const { t, dtMs, sun, local } = ctx
    const [dusk, dawn] = this.jitter.of(local.day)
    const on =
      t >= sun.sunset + (this.o.afterSunsetMin + dusk) * 60_000 ||
      t < sun.sunrise - (this.o.beforeSunriseMin + dawn) * 60_000
    let target = on ? 1 : 0
    const p = this.o.partNight
    if (on && p && inWindow(local.minute, p.fromMin, p.toMin)) target = 1 - p.share
    // Sodium lamps take minutes to reach full output; LEDs are there at once.
    if (this.o.led || target < this.level) this.level = target
    else this.level = Math.min(target, this.level + dtMs / (4 * 60_000) + (this.level === 0 ? 0.3 : 0))
    this.watts = this.o.watts * this.level
    this.vars = this.watts * tanPhi(this.o.led ? 0.95 : 0.9)
  }
}
