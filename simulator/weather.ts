/**
 * Outdoor temperature of a school: a seasonal curve (coldest mid-January), a day/night swing
 * (coldest at 05:00, warmest at 15:00 local) and weather fronts lasting days — seeded noise at
 * daily knots, smoothly interpolated — so any instant can be asked for in any order.
 */
import type { SchoolCalendar } from '../core/calendar.js'
import { Rng } from './random.js'

export interface Climate {
  /** Annual mean, °C. */
  meanC: number
  /** Half the difference between mid-summer and mid-winter means, °C. */
  seasonalAmplitudeC: number
  /** Half the day/night difference, °C. */
  diurnalAmplitudeC: number
  /** Standard deviation of the day-to-day weather, °C. */
  frontsSdC: number
}

/** Roughly northern China (Beijing/Tianjin): January about −3 °C, July about 27 °C. */
export const DEFAULT_CLIMATE: Climate = {
  meanC: 12,
  seasonalAmplitudeC: 15,
  diurnalAmplitudeC: 5,
  frontsSdC: 3,
}

const DAY_MS = 86_400_000

export class Weather {
  private readonly knots = new Map<number, number>()
  /** Spells of colder or warmer weather: [start, end, deltaC]. */
  shifts: [number, number, number][] = []

  constructor(
    private readonly seed: string,
    private readonly calendar: SchoolCalendar,
    private readonly climate: Climate = DEFAULT_CLIMATE,
  ) {}

  private knot(day: number): number {
    let v = this.knots.get(day)
    if (v === undefined) {
      v = new Rng(`${this.seed}|weather|${day}`).normal(0, this.climate.frontsSdC)
      if (this.knots.size > 4000) this.knots.clear()
      this.knots.set(day, v)
    }
    return v
  }

  /** Outdoor air temperature, °C. */
  outdoorC(ms: number): number {
    const c = this.climate
    const localMs = ms + this.calendar.offset(ms) * 60_000
    const dayFloat = localMs / DAY_MS
    const day = Math.floor(dayFloat)
    const frac = dayFloat - day
    // Day of year, with 15 January as the coldest day.
    const doy = ((((dayFloat - 14) % 365.25) + 365.25) % 365.25) / 365.25
    const seasonal = c.meanC - c.seasonalAmplitudeC * Math.cos(2 * Math.PI * doy)
    const hour = frac * 24
    const w = (1 - Math.cos(Math.PI * frac)) / 2
    const fronts = this.knot(day) * (1 - w) + this.knot(day + 1) * w
    let shift = 0
    for (const [from, to, delta] of this.shifts) if (ms >= from && ms < to) shift += delta
    return seasonal + diurnalShape(hour, c.diurnalAmplitudeC) + fronts + shift
  }
}

/** Coldest at 05:00, warmest at 15:00: a cosine over the 10 warming hours and the 14 cooling ones. */
function diurnalShape(hour: number, amplitude: number): number {
  if (hour >= 5 && hour < 15) return -amplitude * Math.cos((Math.PI * (hour - 5)) / 10)
  const h = hour >= 15 ? hour - 15 : hour + 9
  return amplitude * Math.cos((Math.PI * h) / 14)
}
