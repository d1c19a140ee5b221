/**
 * Occupancy: for a building at an instant — is it occupied, and what kind of day is it? Every
 * rule, report and the simulator ask this one question, answered here from the school's time
 * zone, weekly hours, terms, holidays, per-building overrides and planned-use windows.
 *
 * Local time comes from a per-quarter-hour cache of the zone's UTC offset, so the question costs
 * a map lookup and some arithmetic on the hot path; DST transitions (which happen on quarter
 * hours everywhere) are exact.
 */
import { IANAZone } from 'luxon'
import { WEEKDAYS, type WeeklyHoursConfig } from './config/schema.js'
import type { Building, Meter, School } from './registry.js'

export type DayType = 'school_day' | 'weekend' | 'holiday' | 'vacation'

export interface Occupancy {
  occupied: boolean
  /** The kind of day the instant belongs to; a night after midnight belongs to the day before when a building's hours run past midnight. */
  dayType: DayType
  /** Inside the building's quiet hours (dormitories). */
  quiet: boolean
}

export interface LocalTime {
  /** YYYY-MM-DD in the school's zone. */
  date: string
  /** The same date as a day number (days since 1970-01-01). */
  day: number
  /** 0 = Monday … 6 = Sunday. */
  weekday: number
  /** Minutes since local midnight. */
  minute: number
  /** Offset from UTC, minutes. */
  offsetMinutes: number
}

interface Range {
  from: number
  to: number
}

/** A day's ranges, split into the part on that day and the part that runs into the next. */
interface DayHours {
  same: Range[]
  overnight: Range[]
}

type Week = DayHours[]

const QUARTER_MS = 15 * 60_000
const DAY_MS = 86_400_000

function parseRange(s: string): { from: number; to: number } {
  const [a, b] = s.split('-') as [string, string]
  const min = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5))
  return { from: min(a), to: min(b) }
}

function compileWeek(hours: WeeklyHoursConfig): Week {
  return WEEKDAYS.map((d) => {
    const day: DayHours = { same: [], overnight: [] }
    for (const r of hours[d] ?? []) {
      const { from, to } = parseRange(r)
      if (to > from) day.same.push({ from, to })
      else {
        day.same.push({ from, to: 1440 })
        if (to > 0) day.overnight.push({ from: 0, to })
      }
    }
    return day
  })
}

const inRanges = (ranges: Range[], minute: number) => ranges.some((r) => minute >= r.from && minute < r.to)

/** Inclusive local-date periods as sorted [start, end] strings; YYYY-MM-DD compares as text. */
function inPeriods(periods: readonly { start: string; end: string }[], date: string): boolean {
  for (const p of periods) if (date >= p.start && date <= p.end) return true
  return false
}

const dates = new Map<number, string>()
/** YYYY-MM-DD of a day number (days since 1970-01-01), cached: the same few days are asked for all the time. */
function dateOfDay(day: number): string {
  let d = dates.get(day)
  if (d === undefined) {
    d = new Date(day * DAY_MS).toISOString().slice(0, 10)
    if (dates.size > 50_000) dates.clear()
    dates.set(day, d)
  }
  return d
}

interface BuildingPlan {
  week: Week
  ownHours: boolean
  outsideTerm: boolean
  quiet?: Range & { overnight: boolean }
  /** The last answer, by UTC minute: readings of many meters share a minute. */
  lastMinute: number
  lastOccupancy?: Occupancy
}

/** Whether a building keeps its hours on a kind of day: its own hours run on weekends too (boarders' Sunday evening). */
function opensOn(plan: BuildingPlan, t: DayType): boolean {
  if (t === 'school_day') return true
  if (t === 'weekend') return plan.ownHours
  return plan.outsideTerm && (t === 'vacation' || (plan.ownHours && t === 'holiday'))
}

/** The calendar of one school. Build once; ask many times. */
export class SchoolCalendar {
  private readonly zone: IANAZone
  private readonly offsets = new Map<number, number>()
  private readonly schoolWeek: Week
  private readonly buildings = new Map<string, BuildingPlan>()
  private readonly dayTypes = new Map<string, DayType>()
  private lastLocalMinute = Number.NaN
  private lastLocal: LocalTime | undefined
  private readonly plannedUse: {
    window: School['calendar']['plannedUse'][number]
    week?: Week
    meters: Set<string>
  }[]

  constructor(readonly school: School) {
    this.zone = IANAZone.create(school.timezone)
    this.schoolWeek = compileWeek(school.calendar.weeklyHours)
    for (const b of school.buildings.values()) {
      const o = b.config.occupancy
      const quiet = o?.quietHours ? parseRange(o.quietHours) : undefined
      this.buildings.set(b.id, {
        week: o?.weeklyHours ? compileWeek(o.weeklyHours) : this.schoolWeek,
        ownHours: !!o?.weeklyHours,
        outsideTerm: o?.outsideTerm === true,
        ...(quiet ? { quiet: { ...quiet, overnight: quiet.to <= quiet.from } } : {}),
        lastMinute: Number.NaN,
      })
    }
    // A window covers the meters it names (or those of its building) and every meter upstream of
    // them: filling the pool shows on the school's main meter too.
    this.plannedUse = school.calendar.plannedUse.map((window) => {
      const meters = new Set<string>()
      for (const m of school.meters.values()) {
        if (
          window.meters
            ? !window.meters.includes(m.id)
            : window.building !== undefined && m.building.id !== window.building
        )
          continue
        for (let x: Meter | undefined = m; x; x = x.parent) meters.add(x.id)
      }
      return { window, meters, ...(window.weekly ? { week: compileWeek(window.weekly) } : {}) }
    })
  }

  /** UTC offset in minutes at an instant. */
  offset(ms: number): number {
    const key = Math.floor(ms / QUARTER_MS)
    let off = this.offsets.get(key)
    if (off === undefined) {
      if (this.offsets.size > 20_000) this.offsets.clear()
      off = this.zone.offset(key * QUARTER_MS)
      this.offsets.set(key, off)
    }
    return off
  }

  /**
   * Local time of an instant. The answer is the same for every instant of a UTC minute (offsets
   * change on quarter hours), so the last one is kept: the result is shared, do not modify it.
   */
  local(ms: number): LocalTime {
    const minuteKey = Math.floor(ms / 60_000)
    if (minuteKey === this.lastLocalMinute) return this.lastLocal!
    const l = this.computeLocal(ms)
    this.lastLocalMinute = minuteKey
    this.lastLocal = l
    return l
  }

  private computeLocal(ms: number): LocalTime {
    const offsetMinutes = this.offset(ms)
    const shifted = ms + offsetMinutes * 60_000
    const day = Math.floor(shifted / DAY_MS)
    return {
      date: dateOfDay(day),
      day,
      // 1 January 1970 was a Thursday.
      weekday: (((day + 3) % 7) + 7) % 7,
      minute: Math.floor((shifted - day * DAY_MS) / 60_000),
      offsetMinutes,
    }
  }

  /** The local calendar month (YYYY-MM) an instant belongs to. */
  month(ms: number): string {
    return this.local(ms).date.slice(0, 7)
  }

  /** Day type of a local date: holiday, vacation (outside every term), weekend (no school hours), or school day. */
  dayType(date: string): DayType {
    let t = this.dayTypes.get(date)
    if (t) return t
    const cal = this.school.calendar
    const weekday = (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7
    if (inPeriods(cal.holidays, date)) t = 'holiday'
    else if (cal.terms.length > 0 && !inPeriods(cal.terms, date)) t = 'vacation'
    else if (this.schoolWeek[weekday]!.same.length === 0) t = 'weekend'
    else t = 'school_day'
    if (this.dayTypes.size > 5000) this.dayTypes.clear()
    this.dayTypes.set(date, t)
    return t
  }

  /** Occupancy of a building at an instant; the result may be shared, do not modify it. */
  occupancy(building: Building | string, ms: number): Occupancy {
    const id = typeof building === 'string' ? building : building.id
    const plan = this.buildings.get(id)
    if (!plan) throw new Error(`building ${id} is not in school ${this.school.id}`)
    const minuteKey = Math.floor(ms / 60_000)
    if (minuteKey === plan.lastMinute) return plan.lastOccupancy!
    const o = this.computeOccupancy(plan, ms)
    plan.lastMinute = minuteKey
    plan.lastOccupancy = o
    return o
  }

  private computeOccupancy(plan: BuildingPlan, ms: number): Occupancy {
    const l = this.local(ms)
    const today = this.dayType(l.date)
    const inToday = inRanges(plan.week[l.weekday]!.same, l.minute)
    const inLastNight = !inToday && inRanges(plan.week[(l.weekday + 6) % 7]!.overnight, l.minute)
    // The small hours after a night that began yesterday belong to yesterday.
    const dayType = inLastNight ? this.dayType(dateOfDay(l.day - 1)) : today
    const occupied = (inToday || inLastNight) && opensOn(plan, dayType)
    let quiet = false
    if (plan.quiet) {
      const q = plan.quiet
      quiet = q.overnight ? l.minute >= q.from || l.minute < q.to : l.minute >= q.from && l.minute < q.to
    }
    return { occupied, dayType, quiet }
  }

  /**
   * Rules suppressed for a meter at an instant by planned-use windows: a set of rule ids, 'all',
   * or undefined when no window is open.
   */
  suppressedRules(meter: Meter, ms: number): Set<string> | 'all' | undefined {
    if (this.plannedUse.length === 0) return undefined
    let l: LocalTime | undefined
    let out: Set<string> | undefined
    for (const { window: w, week, meters } of this.plannedUse) {
      if ((w.building !== undefined || w.meters) && !meters.has(meter.id)) continue
      l ??= this.local(ms)
      let open = false
      if (w.start !== undefined && w.end !== undefined) {
        const hh = String(Math.floor(l.minute / 60)).padStart(2, '0')
        const mm = String(l.minute % 60).padStart(2, '0')
        const stamp = `${l.date}T${hh}:${mm}`
        open = stamp >= w.start && stamp < w.end
      }
      if (!open && week) {
        open =
          inRanges(week[l.weekday]!.same, l.minute) ||
          inRanges(week[(l.weekday + 6) % 7]!.overnight, l.minute)
      }
      if (!open) continue
      if (!w.rules) return 'all'
      out ??= new Set()
      for (const r of w.rules) out.add(r)
    }
    return out
  }

  /** Whether a local date lies in the school's heating season (MM-DD to MM-DD, across New Year). */
  heatingSeason(date: string): boolean {
    const { start, end } = this.school.calendar.heatingSeason
    const md = date.slice(5)
    return start <= end ? md >= start && md <= end : md >= start || md <= end
  }

  /** Epoch ms of local midnight starting a local date. */
  startOfDay(date: string): number {
    const guess = Date.parse(`${date}T00:00:00Z`)
    // The offset at local midnight; re-check once in case midnight sits across a transition.
    let ms = guess - this.zone.offset(guess) * 60_000
    ms = guess - this.zone.offset(ms) * 60_000
    return ms
  }

  /** Epoch ms of the first instant of a local month (YYYY-MM). */
  startOfMonth(month: string): number {
    return this.startOfDay(`${month}-01`)
  }
}

/** Calendars of every school in a registry, built lazily. */
export class Calendars {
  private readonly bySchool = new Map<string, SchoolCalendar>()
  for(school: School): SchoolCalendar {
    let c = this.bySchool.get(school.id)
    if (!c) {
      c = new SchoolCalendar(school)
      this.bySchool.set(school.id, c)
    }
    return c
  }
  occupancy(building: Building, ms: number): Occupancy {
    return this.for(building.school).occupancy(building, ms)
  }
}

const compiledWeeks = new WeakMap<WeeklyHoursConfig, Week>()

/**
 * Whether a local time falls within weekly hours, a range past midnight covering the next morning
 * too: who is on duty now (notify/'s rotas).
 */
export function withinWeeklyHours(
  hours: WeeklyHoursConfig,
  at: Pick<LocalTime, 'weekday' | 'minute'>,
): boolean {
  let week = compiledWeeks.get(hours)
  if (!week) {
    week = compileWeek(hours)
    compiledWeeks.set(hours, week)
  }
  return (
    inRanges(week[at.weekday]!.same, at.minute) || inRanges(week[(at.weekday + 6) % 7]!.overnight, at.minute)
  )
}
