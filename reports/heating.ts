/**
 * Heating compliance for the winter inspection of schools: classrooms below 18 °C while occupied in
 * the heating season (GB 50736 and the northern provinces' heating rules ask 18 °C of classrooms),
 * per school and week — cold hours, rooms, the worst cases, against the outdoor temperature.
 * `RoomTemperatures` keeps each classroom sensor's hourly mean and lowest reading in SQLite as
 * readings arrive (a replayed reading adds to sum and count alike, so a mean stays right); the report
 * reads them with the school calendar's occupancy of the room's building.
 */
import type { Logger } from 'pino'
import type { Bus } from '../core/bus.js'
import { Calendars } from '../core/calendar.js'
import { t } from '../core/i18n/index.js'
import type { Reading } from '../core/reading.js'
import type { Meter, Registry, School } from '../core/registry.js'
import type { Store } from '../store/index.js'
import { addDays } from './daily.js'
import type { Column } from './sheet.js'

const HOUR = 3_600_000
/** The temperature a classroom must reach while occupied, °C. */
export const CLASSROOM_MIN_C = 18
/** How often what accumulated is written. */
const FLUSH_EVERY_MS = 60_000

/** Room sensors in classrooms: the rooms the inspection asks about. */
export function isClassroomSensor(m: Meter): boolean {
  return m.kind === 'temperature' && m.space?.use === 'classroom' && m.config.placement !== 'outdoor'
}

/** Keeps classroom temperatures per hour, from the readings on the bus. */
export class RoomTemperatures {
  private pending = new Map<string, [string, number, number, number, number]>()
  private readonly calendars = new Calendars()
  private off: (() => void) | undefined
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly o: {
      store: Store
      bus: Bus
      log: Logger
      flushIntervalMs?: number
      /** True for readings not to count (the journal's replay: hours already written are not added to again). */
      skip?: () => boolean
    },
  ) {}

  start(): void {
    const skip = this.o.skip
    this.off = this.o.bus.on('reading', skip ? (r) => skip() || this.onReading(r) : (r) => this.onReading(r))
    const every = this.o.flushIntervalMs ?? FLUSH_EVERY_MS
    if (every > 0) {
      this.timer = setInterval(() => this.flush(), every)
      this.timer.unref()
    }
  }

  stop(): void {
    this.off?.()
    if (this.timer) clearInterval(this.timer)
    this.flush()
  }

  onReading(r: Reading): void {
    const c = r.values.temp_c
    if (c === undefined || !isClassroomSensor(r.meter)) return
    const offset = this.calendars.for(r.meter.school).offset(r.ts) * 60_000
    const hour = Math.floor((r.ts + offset) / HOUR) * HOUR - offset
    const key = `${r.meter.id}|${hour}`
    const e = this.pending.get(key) ?? [r.meter.id, hour, 0, 0, c]
    e[2] += c
    e[3]++
    e[4] = Math.min(e[4], c)
    this.pending.set(key, e)
  }

  flush(): void {
    if (this.pending.size === 0) return
    const rows = [...this.pending.values()]
    this.pending = new Map()
    try {
      const { store } = this.o
      store.inStep(() => store.roomTemperatures.addMany(rows, store.stamps.next()))
    } catch (err) {
      this.o.log.error({ err }, 'room temperatures not written')
    }
  }
}

export interface RoomWeek {
  school: string
  week: string
  building: string
  room: string
  meter: string
  /** Occupied heating-season hours with a reading. */
  occupiedHours: number
  /** Of those, hours whose mean was below 18 °C. */
  coldHours: number
  /** The lowest hourly mean while occupied, and when. */
  worstC?: number
  worstAt?: number
  /** Mean outdoor temperature over the cold hours. */
  outdoorC?: number
  /** Occupied heating-season hours without a reading (a silent sensor hides cold rooms). */
  missingHours: number
}

export interface ColdHour {
  room: string
  building: string
  at: number
  meanC: number
  outdoorC?: number
}

export interface HeatingWeek {
  school: string
  /** Monday of the week, and the Sunday ending it. */
  week: string
  to: string
  rooms: RoomWeek[]
  /** Rooms with at least one cold hour. */
  coldRooms: number
  coldHours: number
  occupiedHours: number
  /** The coldest occupied hours, coldest first (at most 10). */
  worst: ColdHour[]
  /** Mean outdoor temperature over the week's occupied hours. */
  outdoorC?: number
  /** No day of the week is in the heating season. */
  outOfSeason: boolean
}

/** The Monday of the week a local date (YYYY-MM-DD) falls in. */
export function mondayOf(date: string): string {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay()
  return addDays(date, -((weekday + 6) % 7))
}

/** The week starting on a Monday (YYYY-MM-DD) of a school's classrooms. */
export async function heatingWeek(o: {
  registry: Registry
  store: Store
  school: School
  week: string
}): Promise<HeatingWeek> {
  const { store, school, week } = o
  const cal = new Calendars().for(school)
  const from = cal.startOfDay(week)
  const to = cal.startOfDay(addDays(week, 7))
  const sensors = [...school.meters.values()].filter(isClassroomSensor)
  const outdoor = new Map(
    (await store.history.outdoorHourlyMeans(school.id, from, to)).map((h) => [h.hour, h.mean]),
  )
  const readings = await store.history.roomHours(
    sensors.map((m) => m.id),
    from,
    to,
  )
  const byMeter = new Map<string, Map<number, number>>()
  for (const r of readings) {
    const m = byMeter.get(r.meterId) ?? new Map<number, number>()
    m.set(r.hour, r.meanC)
    byMeter.set(r.meterId, m)
  }
  const rooms: RoomWeek[] = []
  const cold: ColdHour[] = []
  let outdoorSum = 0
  let outdoorN = 0
  let outOfSeason = true
  for (const sensor of sensors) {
    const hours = byMeter.get(sensor.id) ?? new Map<number, number>()
    const room: RoomWeek = {
      school: school.id,
      week,
      building: sensor.building.name ?? sensor.building.id,
      room: sensor.space?.name ?? sensor.space?.id ?? sensor.id,
      meter: sensor.id,
      occupiedHours: 0,
      coldHours: 0,
      missingHours: 0,
    }
    let coldOutdoor = 0
    let coldOutdoorN = 0
    for (let h = from; h < to; h += HOUR) {
      const mid = h + HOUR / 2
      if (!cal.heatingSeason(cal.local(mid).date)) continue
      outOfSeason = false
      if (!cal.occupancy(sensor.building, mid).occupied) continue
      const c = hours.get(h)
      const out = outdoor.get(h)
      if (sensor === sensors[0] && out !== undefined) {
        outdoorSum += out
        outdoorN++
      }
      if (c === undefined) {
        room.missingHours++
        continue
      }
      room.occupiedHours++
      if (room.worstC === undefined || c < room.worstC) {
        room.worstC = c
        room.worstAt = h
      }
      if (c < CLASSROOM_MIN_C) {
        room.coldHours++
        cold.push({
          room: room.room,
          building: room.building,
          at: h,
          meanC: c,
          ...(out !== undefined ? { outdoorC: out } : {}),
        })
        if (out !== undefined) {
          coldOutdoor += out
          coldOutdoorN++
        }
      }
    }
    if (coldOutdoorN > 0) room.outdoorC = coldOutdoor / coldOutdoorN
    rooms.push(room)
  }
  cold.sort((a, b) => a.meanC - b.meanC || a.at - b.at)
  return {
    school: school.id,
    week,
    to: addDays(week, 6),
    rooms,
    coldRooms: rooms.filter((r) => r.coldHours > 0).length,
    coldHours: rooms.reduce((a, r) => a + r.coldHours, 0),
    occupiedHours: rooms.reduce((a, r) => a + r.occupiedHours, 0),
    worst: cold.slice(0, 10),
    ...(outdoorN > 0 ? { outdoorC: outdoorSum / outdoorN } : {}),
    outOfSeason,
  }
}

const one = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 10) / 10)

/** One row per classroom and week, for CSV and a terminal. */
export function heatingColumns(registry: Registry): Column<RoomWeek>[] {
  return [
    { header: 'heating.column.school', cell: (r) => registry.schools.get(r.school)?.name ?? r.school },
    { header: 'heating.column.week', cell: (r) => r.week },
    { header: 'heating.column.building', cell: (r) => r.building },
    { header: 'heating.column.room', cell: (r) => r.room },
    { header: 'heating.column.occupiedHours', cell: (r) => r.occupiedHours, decimals: 0 },
    { header: 'heating.column.coldHours', cell: (r) => r.coldHours, decimals: 0 },
    {
      header: 'heating.column.coldShare',
      cell: (r) =>
        r.occupiedHours > 0 ? Math.round((r.coldHours / r.occupiedHours) * 1000) / 10 : undefined,
    },
    { header: 'heating.column.worstC', cell: (r) => one(r.worstC) },
    {
      header: 'heating.column.worstAt',
      cell: (r, l) =>
        r.worstAt === undefined
          ? undefined
          : new Intl.DateTimeFormat(l, {
              dateStyle: 'short',
              timeStyle: 'short',
              timeZone: registry.schools.get(r.school)?.timezone ?? 'Asia/Shanghai',
            }).format(r.worstAt),
    },
    { header: 'heating.column.outdoorC', cell: (r) => one(r.outdoorC) },
    { header: 'heating.column.missingHours', cell: (r) => r.missingHours, decimals: 0 },
  ]
}

/** The week's headline for a person. */
export function heatingHeadline(locale: Parameters<typeof t>[0], school: School, w: HeatingWeek): string {
  if (w.outOfSeason) return t(locale, 'heating.outOfSeason', { school: school.name, week: w.week, to: w.to })
  return t(locale, 'heating.headline', {
    school: school.name,
    week: w.week,
    to: w.to,
    rooms: w.coldRooms,
    of: w.rooms.length,
    hours: w.coldHours,
    occupied: w.occupiedHours,
    outdoor: w.outdoorC === undefined ? '—' : (Math.round(w.outdoorC * 10) / 10).toString(),
  })
}
