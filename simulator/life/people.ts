/**
 * People outside the timetable: teachers who stay late (every evening of exam weeks), events in
 * planned-use windows (a sports meet, a concert).
 */
import type { SchoolCalendar } from '../../core/calendar.js'
import type { Building } from '../../core/registry.js'
import { Rng } from '../random.js'
import { Daily, Draws, type Fixture, type LifeContext, tanPhi } from './fixture.js'

const MIN = 60_000

export interface LateWorkOptions {
  building: Building
  /** Chance that someone stays on a school day, and the load they keep on, W (lights, PCs; a heater in winter). */
  chance: number
  watts: number
  /** Mean stay after the building's hours end, minutes. */
  meanStayMin: number
  /** Exam weeks (local day numbers, Monday to Friday): everyone stays, twice the load, till late. */
  examDays: (day: number) => boolean
}

/**
 * Teachers working late: on many school days a few offices keep their lights, computers and in
 * cold weather a small heater on for an hour or three after the building's hours; in exam weeks
 * marking keeps whole floors lit until 21:00–22:30. The stay ends at a different time each day.
 */
export class LateWork implements Fixture {
  readonly name: string
  watts = 0
  vars = 0
  lps = 0
  private readonly stay: Daily<{ minutes: number; until?: number; watts: number } | undefined>
  /** Local day and minute the building's hours last ended. */
  private endedDay = Number.NaN
  private endedMin = 0
  private wasOccupied = false

  constructor(
    key: string,
    private readonly o: LateWorkOptions,
  ) {
    this.name = `working late (${Math.round(o.chance * 100)} % of days, ${Math.round(o.watts)} W)`
    this.stay = new Daily((day) => {
      const r = new Rng(`${key}|${day}`)
      if (o.examDays(day))
        return { minutes: 60, until: r.uniform(21 * 60, 22.5 * 60), watts: o.watts * r.uniform(1.6, 2.4) }
      if (!r.chance(o.chance)) return undefined
      const minutes = Math.min(-Math.log(1 - r.next()) * o.meanStayMin, 5 * 60)
      return { minutes, watts: o.watts * r.uniform(0.5, 1.5) }
    })
  }

  step(ctx: LifeContext): void {
    const { t, local, calendar } = ctx
    const occ = calendar.occupancy(this.o.building, t)
    if (this.wasOccupied && !occ.occupied && occ.dayType === 'school_day' && local.minute >= 15 * 60) {
      this.endedDay = local.day
      this.endedMin = local.minute
    }
    this.wasOccupied = occ.occupied
    const stay = this.stay.of(local.day)
    const until = stay && Math.max(this.endedMin + stay.minutes, stay.until ?? 0)
    const on = stay !== undefined && this.endedDay === local.day && !occ.occupied && local.minute < until!
    this.watts = on ? stay.watts : 0
    this.vars = this.watts * tanPhi(0.93)
  }
}

/**
 * Exam weeks: the last full school week of each term (finals) and its tenth week
 * (mid-terms), as Chinese schools hold them.
 */
export function examWeeks(calendar: SchoolCalendar): (day: number) => boolean {
  const days = new Set<number>()
  for (const term of calendar.school.calendar.terms) {
    const start = Date.parse(`${term.start}T00:00:00Z`) / 86_400_000
    const end = Date.parse(`${term.end}T00:00:00Z`) / 86_400_000
    const monday = (d: number) => d - ((((d + 3) % 7) + 7) % 7)
    const firstMonday = monday(start + 6)
    const lastMonday = monday(end) - (monday(end) + 4 > end ? 7 : 0)
    for (const m of [firstMonday + 9 * 7, lastMonday])
      if (m >= start && m + 4 <= end) for (let d = m; d < m + 5; d++) days.add(d)
  }
  return (day) => days.has(day)
}

export interface EventOptions {
  building: Building
  /** Lights, sound and catering on while the event runs, W. */
  watts: number
  /** Toilet flushes per minute while people are there. */
  flushesPerMin: number
  /** Whether the window is open at an instant (the school's planned-use windows for the building). */
  open: (ms: number) => boolean
}

/**
 * An event in a planned-use window — a weekend sports meet, an evening concert in the hall:
 * floodlights or stage lights and sound (3–15 kW) and busy toilets while it lasts, winding down
 * in the last few minutes of the window.
 */
export class PlannedEvent implements Fixture {
  readonly name: string
  watts = 0
  vars = 0
  lps = 0
  private readonly draws = new Draws()
  private readonly windDownMin: Daily<number>

  constructor(
    key: string,
    private readonly rng: Rng,
    private readonly o: EventOptions,
  ) {
    this.name = `events in planned-use windows (${Math.round(o.watts)} W)`
    this.windDownMin = new Daily((day) => new Rng(`${key}|${day}`).uniform(5, 10))
  }

  step(ctx: LifeContext): void {
    const { t, dtMs, local } = ctx
    // People leave before the window closes: nothing runs in its last 5–10 minutes.
    const on = this.o.open(t) && this.o.open(t + this.windDownMin.of(local.day) * MIN)
    this.watts = on ? this.o.watts * (0.9 + 0.2 * this.rng.next()) : 0
    this.vars = this.watts * tanPhi(0.9)
    if (on) {
      for (let n = this.rng.poisson((this.o.flushesPerMin * dtMs) / MIN); n > 0; n--) {
        const seconds = this.rng.uniform(50, 80)
        this.draws.add(t + seconds * 1000, this.rng.uniform(5.5, 6.5) / seconds)
      }
    }
    this.lps = this.draws.flow(t, dtMs)
  }
}
