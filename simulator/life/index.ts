/**
 * A school's normal life: which fixtures it has and on which meters they are measured, drawn
 * once per school from the simulation's seed, so that no two schools keep the same lamps,
 * freezers, shower evenings or cleaning days — the same seed, the same school.
 *
 * Nothing here is a fault: it is what any school runs, and what the rules must learn as normal.
 */
import type { LocalTime, SchoolCalendar } from '../../core/calendar.js'
import { type PlannedUseConfig, WEEKDAYS } from '../../core/config/schema.js'
import type { Building, Meter, School } from '../../core/registry.js'
import { Rng } from '../random.js'
import type { Weather } from '../weather.js'
import { AirCompressor, Compressor, DrinkingWaterBoiler, GuardLodge, NetworkRoom } from './appliances.js'
import { anyOccupied, type Fixture, inWindow, type Placement } from './fixture.js'
import { Kitchen } from './kitchen.js'
import { YardLights } from './lighting.js'
import { examWeeks, LateWork, PlannedEvent } from './people.js'
import { CleaningRounds, Irrigation, ShowerEvenings } from './water.js'

export type { Fixture, LifeContext, Placement } from './fixture.js'

/** How a school runs its heating, beyond the circuit's setpoint. */
export interface HeatingHabits {
  /** Time constant of the building's mass, hours: 20 (light) to 50 (heavy masonry). */
  massHours: number
  occupiedC: number
  setbackC: number
  frostProtectionC: number
  preheatMinutes: number
}

export interface SchoolLife {
  placements: Placement[]
  heating: HeatingHabits
}

const hm = (h: number, m = 0) => h * 60 + m
const DAY_MS = 86_400_000

const depth = (m: Meter) => {
  let d = 0
  for (let p = m.parent; p; p = p.parent) d++
  return d
}

/** The meter of a kind that measures a building as a whole (not a dorm room, not the toilets), or the school's incomer. */
function meterOf(
  school: School,
  building: Building | undefined,
  kind: 'water' | 'electricity',
): Meter | undefined {
  const whole = (m: Meter) => m.kind === kind && m.space?.use !== 'dorm_room' && m.space?.use !== 'toilet'
  const own = building?.meters.filter(whole).sort((a, b) => depth(a) - depth(b))[0]
  return own ?? rootMeter(school, kind)
}

/** The school's top-level meter of a kind: the incomer or the water main, in the teaching block if there are several. */
function rootMeter(school: School, kind: 'water' | 'electricity'): Meter | undefined {
  const roots = [...school.meters.values()].filter(
    (m) => m.kind === kind && !m.parent && m.space?.use !== 'dorm_room',
  )
  return roots.find((m) => m.building.use === 'teaching') ?? roots[0]
}

const place = (fixture: Fixture, electricity?: Meter, water?: Meter): Placement => ({
  fixture,
  ...(electricity ? { electricity: electricity.id } : {}),
  ...(water ? { water: water.id } : {}),
})

export interface LifeOptions {
  seed: string
  calendar: SchoolCalendar
  weather: Weather
  /** Whether lawns and a sports field are watered on a controller (default: drawn, six schools in ten). */
  irrigated?: boolean
}

export function planSchoolLife(school: School, o: LifeOptions): SchoolLife {
  const rng = new Rng(`${o.seed}|${school.id}|life`)
  const key = (what: string) => `${o.seed}|${school.id}|${what}`
  const stream = (what: string) => new Rng(key(what))
  const { calendar } = o
  const out: Placement[] = []
  const buildings = [...school.buildings.values()]
  const area = school.floorAreaM2 ?? buildings.reduce((a, b) => a + (b.config.floorAreaM2 ?? 2000), 0)
  const pupils = school.pupils ?? 500
  const boarding = buildings.some((b) => b.use === 'dormitory')
  const incomer = rootMeter(school, 'electricity')
  const main = rootMeter(school, 'water')

  if (incomer) {
    const led = rng.chance(0.6)
    const lamps = Math.round(Math.min(80, Math.max(8, (area / 400) * rng.uniform(0.6, 1.4))))
    const photocell = rng.chance(0.55)
    out.push(
      place(
        new YardLights(key('yard-lights'), {
          watts: lamps * (led ? rng.uniform(60, 150) : rng.uniform(100, 250)),
          control: photocell ? 'photocell' : 'astronomical',
          led,
          afterSunsetMin: photocell ? rng.uniform(8, 25) : rng.uniform(0, 15),
          beforeSunriseMin: photocell ? rng.uniform(5, 20) : rng.uniform(0, 20),
          ...(!photocell && rng.chance(0.5)
            ? { partNight: { fromMin: rng.uniform(hm(23), hm(24, 30)) % 1440, toMin: hm(5), share: 0.5 } }
            : {}),
        }),
        incomer,
      ),
      place(
        new GuardLodge(
          stream('guard-lodge'),
          rng.uniform(100, 300),
          rng.chance(0.5) ? 1500 : 2000,
          rng.uniform(800, 1300),
        ),
        incomer,
      ),
    )
  }

  const offices = buildings.filter((b) => ['teaching', 'office', 'library', 'laboratory'].includes(b.use))
  const networkHome = buildings.find((b) => b.use === 'office') ?? offices[0]
  const networkMeter = meterOf(school, networkHome, 'electricity')
  if (networkMeter) {
    const it = (0.5 + pupils / 1000) * 1000 * rng.uniform(0.7, 1.3)
    out.push(place(new NetworkRoom(stream('network-room'), it, rng.uniform(1000, 2600)), networkMeter))
  }

  const exams = examWeeks(calendar)
  const diners = buildings.filter((b) => b.use === 'dormitory' || b.use === 'teaching')
  for (const b of buildings) {
    const e = meterOf(school, b, 'electricity')
    const w = meterOf(school, b, 'water')
    const bArea = b.config.floorAreaM2 ?? area / buildings.length
    const people = (pupils * bArea) / area
    const id = (what: string) => `${b.id}|${what}`

    if (b.use === 'canteen' && e) {
      const coldRooms = boarding ? 2 : rng.chance(0.6) ? 1 : 0
      for (let i = 0; i < coldRooms; i++) {
        const freezer = i === 1
        out.push(
          place(
            new Compressor(stream(id(`cold-room-${i}`)), {
              what: freezer ? 'walk-in freezer' : 'walk-in cold room',
              watts: rng.uniform(1200, 3000),
              pf: 0.8,
              onMin: rng.uniform(12, 22),
              offMin: rng.uniform(8, 18),
              busyShare: 0.3,
              steadyW: rng.uniform(100, 200),
              building: b,
              ...(freezer
                ? { defrost: { everyHours: 8, minutes: rng.uniform(20, 30), watts: rng.uniform(1500, 3000) } }
                : {}),
            }),
            e,
          ),
        )
      }
      const cabinets = rng.int(2, 6)
      for (let i = 0; i < cabinets; i++) {
        const freezer = i % 2 === 1
        out.push(
          place(
            new Compressor(stream(id(`cabinet-${i}`)), {
              what: freezer ? 'kitchen freezer' : 'kitchen fridge',
              watts: rng.uniform(200, 500),
              pf: 0.78,
              onMin: rng.uniform(8, 15),
              offMin: rng.uniform(10, 20),
              busyShare: 0.25,
              building: b,
              ...(freezer
                ? {
                    defrost: {
                      everyHours: rng.uniform(6, 12),
                      minutes: rng.uniform(20, 30),
                      watts: rng.uniform(300, 600),
                    },
                  }
                : {}),
            }),
            e,
          ),
        )
      }
      out.push(
        place(
          new Kitchen(
            key(id('kitchen')),
            stream(id('kitchen')),
            {
              meals: [hm(6, 40), hm(11, 50), hm(17, 40)],
              steamers: rng.int(1, boarding ? 4 : 2),
              steamerW: rng.pick([12_000, 15_000, 18_000, 24_000]),
              steamLeadMin: rng.uniform(60, 80),
              steamRunMin: rng.uniform(45, 65),
              tankL: rng.uniform(60, 150),
              rinseLpm: rng.uniform(3, 8),
              tankHeaterW: rng.uniform(6000, 15_000),
              washMin: rng.uniform(35, 70),
            },
            (day) => calendar.startOfDay(dateOf(day)),
            (ms) => anyOccupied(calendar, diners, ms),
          ),
          e,
          meterOf(school, b, 'water'),
        ),
      )
    }

    if (offices.includes(b) || b.use === 'dormitory' || b.use === 'workshop') {
      const staffFridges = b.use === 'dormitory' ? 1 : rng.int(1, 4)
      for (let i = 0; i < staffFridges; i++) {
        out.push(
          place(
            new Compressor(stream(id(`fridge-${i}`)), {
              what: 'staff-room fridge',
              watts: rng.uniform(80, 150),
              pf: 0.75,
              onMin: rng.uniform(10, 20),
              offMin: rng.uniform(20, 40),
            }),
            e,
          ),
        )
      }
      // One boiler for every floor or two: some 3,000 m² each.
      const boilers = Math.max(1, Math.round((bArea / 3000) * rng.uniform(0.7, 1.3)))
      const onTimer = rng.chance(0.5)
      for (let i = 0; i < boilers; i++) {
        out.push(
          place(
            new DrinkingWaterBoiler(stream(id(`boiler-${i}`)), {
              heaterW: rng.pick([3000, 4500, 6000, 9000]),
              tankL: rng.uniform(40, 120),
              lossW: rng.uniform(150, 350),
              litresPerDay: (people * rng.uniform(0.2, 0.5)) / boilers,
              building: b,
              ...(onTimer
                ? {
                    timer: {
                      onMin: rng.uniform(hm(6), hm(6, 45)),
                      offMin: rng.uniform(hm(18, 30), hm(22, 30)),
                    },
                  }
                : {}),
            }),
            e,
            w,
          ),
        )
      }
    }

    if (offices.includes(b) || b.use === 'dormitory' || b.use === 'gym') {
      const vending = rng.chance(0.5) ? rng.int(1, 2) : 0
      for (let i = 0; i < vending; i++) {
        out.push(
          place(
            new Compressor(stream(id(`vending-${i}`)), {
              what: 'vending machine',
              watts: rng.uniform(200, 400),
              pf: 0.8,
              onMin: rng.uniform(10, 15),
              offMin: rng.uniform(15, 25),
              steadyW: rng.uniform(50, 100),
            }),
            e,
          ),
        )
      }
    }

    if (offices.includes(b) && e) {
      out.push(
        place(
          new LateWork(key(id('late-work')), {
            building: b,
            chance: rng.uniform(0.3, 0.7),
            watts: rng.uniform(300, 2500),
            meanStayMin: rng.uniform(60, 120),
            examDays: exams,
          }),
          e,
        ),
      )
    }

    if (b.use === 'workshop' && e) {
      out.push(
        place(
          new AirCompressor(stream(id('air-compressor')), {
            watts: rng.pick([5500, 7500, 11_000, 15_000]),
            leftOn: rng.chance(0.5),
            leakRunMin: rng.uniform(1, 3),
            leakGapMin: rng.uniform(10, 40),
            building: b,
          }),
          e,
        ),
      )
    }

    const dormWater = b.meters.find((m) => m.kind === 'water' && m.space?.use !== 'dorm_room')
    if (b.use === 'dormitory' && dormWater && rng.chance(0.8)) {
      const lpmPerHead = rng.uniform(6, 9)
      const first = rng.int(0, 2)
      const weekdays = rng.chance(0.7) ? [first, first + 2] : [0, 2, 3]
      out.push(
        place(
          new ShowerEvenings(key(id('showers')), stream(id('showers')), {
            weekdays,
            startMin: rng.uniform(hm(19), hm(20, 10)),
            minutes: rng.uniform(90, 110),
            heads: Math.round(rng.uniform(30, 50) / lpmPerHead),
            lpmPerHead,
            heatPumpW: rng.uniform(8000, 20_000),
            ...(rng.chance(0.6) ? { reheatFromMin: hm(23) } : {}),
            dormitory: b,
          }),
          e,
          dormWater,
        ),
      )
    }

    // Cleaners work in empty buildings with toilets: on the toilets' own meter where there is one.
    const toilets =
      b.meters.find((m) => m.kind === 'water' && m.space?.use === 'toilet') ??
      (b.meters.some((m) => m.kind === 'water') ? w : undefined)
    if (toilets && (offices.includes(b) || b.use === 'gym' || b.use === 'workshop')) {
      const when = rng.pick([
        { weekdays: [5], startMin: hm(8), dayTypes: ['weekend' as const] },
        { weekdays: [4], startMin: hm(18, 15), dayTypes: ['school_day' as const] },
        { weekdays: [0, 1, 2, 3, 4], startMin: hm(18, 20), dayTypes: ['school_day' as const] },
      ])
      out.push(
        place(
          new CleaningRounds(key(id('cleaning')), stream(id('cleaning')), {
            ...when,
            cisterns: Math.round(Math.min(30, Math.max(6, bArea / 400)) * rng.uniform(0.8, 1.2)),
            buckets: rng.int(1, 4),
            lightsW: rng.uniform(500, 2000),
            building: b,
          }),
          e,
          toilets,
        ),
      )
    }

    for (const window of school.calendar.plannedUse) {
      if (window.building !== b.id || window.meters || b.use === 'pool') continue
      out.push(
        place(
          new PlannedEvent(key(id(`event-${window.name}`)), stream(id(`event-${window.name}`)), {
            building: b,
            watts: rng.uniform(3000, 15_000),
            flushesPerMin: rng.uniform(0.3, 1.5),
            open: (ms) => windowOpen(window, calendar.local(ms)),
          }),
          e,
          w,
        ),
      )
    }
  }

  const irrigated = rng.chance(0.6)
  if (main && (o.irrigated ?? irrigated)) {
    const zones = Array.from({ length: rng.int(3, 6) }, () => ({
      minutes: Math.round(rng.uniform(15, 30)),
      lpm: rng.uniform(20, 60),
    }))
    out.push(
      place(
        new Irrigation(
          key('irrigation'),
          stream('irrigation'),
          {
            startMin: Math.round(
              rng.chance(0.6) ? rng.uniform(hm(19), hm(20, 30)) : rng.uniform(hm(5), hm(6)),
            ),
            zones,
            warmerThanC: rng.uniform(20, 24),
            everyDays: rng.chance(0.5) ? 1 : 2,
          },
          (day) => o.weather.outdoorC(calendar.startOfDay(dateOf(day)) + 15 * 3_600_000),
        ),
        undefined,
        main,
      ),
    )
  }

  return {
    placements: out.filter((p) => p.electricity !== undefined || p.water !== undefined),
    heating: {
      massHours: rng.uniform(20, 50),
      occupiedC: rng.uniform(19.5, 21.5),
      setbackC: rng.uniform(14, 17),
      frostProtectionC: rng.uniform(8, 12),
      preheatMinutes: rng.uniform(90, 210),
    },
  }
}

const dateOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10)

/** Whether a planned-use window is open at a local time (its one-off dates, or its weekly hours). */
function windowOpen(w: PlannedUseConfig, l: LocalTime): boolean {
  if (w.start !== undefined && w.end !== undefined) {
    const stamp = `${l.date}T${String(Math.floor(l.minute / 60)).padStart(2, '0')}:${String(l.minute % 60).padStart(2, '0')}`
    if (stamp >= w.start && stamp < w.end) return true
  }
  if (!w.weekly) return false
  const ranges = (weekday: number) =>
    (w.weekly?.[WEEKDAYS[weekday]!] ?? []).map((r) => {
      const [a, b] = r.split('-') as [string, string]
      const min = (x: string) => Number(x.slice(0, 2)) * 60 + Number(x.slice(3, 5))
      return [min(a), min(b)] as const
    })
  if (ranges(l.weekday).some(([a, b]) => (b > a ? l.minute >= a && l.minute < b : l.minute >= a))) return true
  return ranges((l.weekday + 6) % 7).some(([a, b]) => b <= a && inWindow(l.minute, 0, b))
}
