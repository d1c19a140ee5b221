/**
 * A fault plan for any registry: every class of fault the simulator knows, placed where and when
 * it happens in real schools — drips and running toilets on any water meter (the dormitory's
 * too), bursts by night and by day, kettles and hair dryers on dorm evenings, heaters through the
 * night (steady, or on their thermostat), lights or air conditioning left on over a weekend or a
 * night, heating faults in the heating season, a silent meter, a register that rolls over —
 * with sizes drawn from the ranges real faults have. Faults on one branch of a school's meters
 * (a sub-meter of the main and everything under it) do not overlap, so each alert has one cause.
 */
import { SchoolCalendar } from '../core/calendar.js'
import type { Meter, Registry, School } from '../core/registry.js'
import { isoWithOffset } from './encode.js'
import { Rng } from './random.js'
import type { Fault, Scenario } from './scenario.js'

const MIN = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000

export interface FaultPlanOptions {
  seed: string
  /** Start of the scored weeks, epoch ms; faults start after it and end a day before the last. */
  start: number
  days: number
}

/** The branch of the meter tree a meter is on: its ancestor just below the top (or itself). */
function branch(meter: Meter): string {
  let m = meter
  while (m.parent?.parent) m = m.parent
  return m.id
}

/** When the faults on each branch run, so that they do not overlap. */
class Timeline {
  private readonly busy = new Map<string, [number, number][]>()

  free(key: string, from: number, to: number, padMs: number): boolean {
    return (this.busy.get(key) ?? []).every(([a, b]) => to + padMs <= a || from >= b + padMs)
  }

  take(key: string, from: number, to: number): void {
    const list = this.busy.get(key) ?? []
    list.push([from, to])
    this.busy.set(key, list)
  }
}

class SchoolPlan {
  readonly calendar: SchoolCalendar
  readonly out: Fault[] = []

  constructor(
    readonly school: School,
    private readonly rng: Rng,
    private readonly o: FaultPlanOptions,
    private readonly timeline: Timeline,
  ) {
    this.calendar = new SchoolCalendar(school)
  }

  /** Start of the scored weeks. */
  get start(): number {
    return this.o.start
  }

  get meters(): Meter[] {
    return [...this.school.meters.values()]
  }

  private iso(ms: number): string {
    return isoWithOffset(ms, this.calendar.offset(ms))
  }

  /** Local midnight of the n-th day of the scored weeks. */
  private dayStart(n: number): number {
    const date = this.calendar.local(this.o.start + n * DAY + 12 * HOUR).date
    return this.calendar.startOfDay(date)
  }

  /**
   * Finds a start within the scored weeks: a random day, a random minute in [fromMin, toMin)
   * local, accepted by `when`, not overlapping the school's other faults of the utility.
   */
  private find(
    meter: Meter,
    durationMs: number,
    fromMin: number,
    toMin: number,
    when: (start: number) => boolean = () => true,
  ): number | undefined {
    const key = branch(meter)
    for (let attempt = 0; attempt < 400; attempt++) {
      const day = this.rng.int(0, this.o.days - 1)
      const start = this.dayStart(day) + this.rng.uniform(fromMin, toMin) * MIN
      const start2 = Math.round(start / MIN) * MIN
      if (start2 < this.o.start + 2 * HOUR || start2 + durationMs > this.o.start + (this.o.days - 1) * DAY)
        continue
      if (!when(start2) || !this.timeline.free(key, start2, start2 + durationMs, 2 * HOUR)) continue
      this.timeline.take(key, start2, start2 + durationMs)
      return start2
    }
    return undefined
  }

  add(
    fault: Omit<Fault, 'start' | 'duration'> & { meter: string } & Record<string, unknown>,
    durationMs: number,
    fromMin: number,
    toMin: number,
    when?: (start: number) => boolean,
  ): void {
    const start = this.find(this.school.meters.get(fault.meter)!, durationMs, fromMin, toMin, when)
    if (start === undefined) return
    const minutes = Math.round(durationMs / MIN)
    this.out.push({ ...fault, start: this.iso(start), duration: `${minutes}m` } as Fault)
  }

  addOnce(fault: Omit<Fault, 'start'> & { meter: string } & Record<string, unknown>): void {
    const start = this.find(this.school.meters.get(fault.meter)!, HOUR, 0, 24 * 60)
    if (start !== undefined) this.out.push({ ...fault, start: this.iso(start) } as Fault)
  }

  occupied(meter: Meter, t: number): boolean {
    return this.calendar.occupancy(meter.building, t).occupied
  }

  dayType(t: number) {
    return this.calendar.dayType(this.calendar.local(t).date)
  }

  heatingSeason(t: number): boolean {
    return this.calendar.heatingSeason(this.calendar.local(t).date)
  }
}

const logUniform = (rng: Rng, a: number, b: number) => Math.exp(rng.uniform(Math.log(a), Math.log(b)))
const r1 = (v: number) => Math.round(v * 10) / 10

export function planFaults(registry: Registry, o: FaultPlanOptions): Scenario {
  const timeline = new Timeline()
  const faults: Fault[] = []
  for (const school of registry.schools.values()) {
    const rng = new Rng(`${o.seed}|faults|${school.id}`)
    const p = new SchoolPlan(school, rng, o, timeline)
    planWater(p, rng)
    planElectricity(p, rng)
    planHeat(p, rng)
    planMeters(p, rng)
    faults.push(...p.out)
  }
  faults.sort((a, b) => Date.parse(a.start) - Date.parse(b.start))
  return {
    name: 'generated',
    description: `Faults of every class over ${o.days} days, from seed ${o.seed}`,
    faults,
  }
}

function planWater(p: SchoolPlan, rng: Rng): void {
  const water = p.meters.filter((m) => m.kind === 'water')
  if (water.length === 0) return
  const leaves = water.filter((m) => !water.some((c) => c.parent === m))
  const dorm = water.filter((m) => m.building.use === 'dormitory')
  const toilets = water.filter((m) => m.space?.use === 'toilet')
  const mains = water.filter((m) => !m.parent)
  const drips = [rng.pick(mains), rng.pick(dorm.length ? dorm : leaves), rng.pick(leaves)]
  for (const meter of drips) {
    const rate = r1(logUniform(rng, 0.5, 5))
    p.add(
      { type: 'drip_leak', meter: meter.id, name: `Drip on ${meter.id} (${rate} L/h)`, rateLph: rate },
      rng.uniform(2, 4) * DAY,
      0,
      24 * 60,
    )
  }
  for (let i = 0; i < 2; i++) {
    const meter = rng.pick(toilets.length ? toilets : leaves)
    const litres = r1(rng.uniform(0.5, 3))
    const period = Math.round(rng.uniform(3, 20))
    // Found at the end of a school day, or on a Saturday morning.
    const saturday = rng.chance(0.4)
    p.add(
      {
        type: 'running_toilet',
        meter: meter.id,
        name: `Running toilet on ${meter.id} (${litres} L every ${period} min)`,
        refillLitres: litres,
        periodMinutes: period,
        irregularity: r1(rng.uniform(0.15, 0.4)),
      },
      rng.uniform(10, 40) * HOUR,
      saturday ? 7 * 60 : 17 * 60,
      saturday ? 11 * 60 : 22 * 60,
      (t) => p.dayType(t) === (saturday ? 'weekend' : 'school_day'),
    )
  }
  const sized = water.filter((m) => m.config.nominalFlowM3h !== undefined)
  for (const night of [true, false]) {
    const meter = rng.pick(sized.length ? sized : water)
    const q3 = meter.config.nominalFlowM3h
    // A burst fitting on a pipe of the meter's size runs at a quarter to over half its rated flow.
    const lpm = q3 ? Math.round((rng.uniform(0.25, 0.6) * q3 * 1000) / 60) : Math.round(rng.uniform(30, 80))
    p.add(
      { type: 'burst', meter: meter.id, name: `Burst on ${meter.id} (${lpm} L/min)`, flowLpm: lpm },
      rng.uniform(40, 180) * MIN,
      night ? 60 : 9 * 60,
      night ? 5 * 60 : 16 * 60,
    )
  }
}

function planElectricity(p: SchoolPlan, rng: Rng): void {
  const rooms = p.meters.filter((m) => m.kind === 'electricity' && m.space?.use === 'dorm_room')
  const awake = (m: Meter) => (t: number) => {
    const o = p.calendar.occupancy(m.building, t)
    return o.occupied && !o.quiet
  }
  const asleep = (m: Meter) => (t: number) => p.calendar.occupancy(m.building, t).quiet && p.occupied(m, t)
  if (rooms.length) {
    for (let i = 0; i < 3; i++) {
      const room = rng.pick(rooms)
      const watts = Math.round(rng.uniform(1500, 2200))
      const morning = rng.chance(0.3)
      p.add(
        { type: 'kettle', meter: room.id, name: `Kettle in ${room.space!.id} (${watts} W)`, watts },
        Math.round(rng.uniform(2, 5)) * MIN,
        morning ? 6 * 60 + 15 : 19 * 60,
        morning ? 7 * 60 + 15 : 22 * 60 + 15,
        awake(room),
      )
    }
    for (let i = 0; i < 2; i++) {
      const room = rng.pick(rooms)
      const watts = Math.round(rng.uniform(1000, 2000))
      p.add(
        { type: 'hair_dryer', meter: room.id, name: `Hair dryer in ${room.space!.id} (${watts} W)`, watts },
        Math.round(rng.uniform(3, 10)) * MIN,
        19 * 60,
        22 * 60 + 15,
        awake(room),
      )
    }
    for (const cycling of [true, false]) {
      const room = rng.pick(rooms)
      const watts = Math.round(cycling ? rng.uniform(1000, 1500) : rng.uniform(1500, 2000))
      const duty = r1(rng.uniform(0.35, 0.7))
      p.add(
        {
          type: 'heater',
          meter: room.id,
          name: `Heater in ${room.space!.id} (${watts} W${cycling ? `, thermostat ${Math.round(duty * 100)} %` : ''})`,
          watts,
          ...(cycling ? { dutyCycle: duty, cycleMinutes: Math.round(rng.uniform(15, 30)) } : {}),
        },
        rng.uniform(6, 8) * HOUR,
        22 * 60 + 35,
        23 * 60 + 30,
        asleep(room),
      )
    }
  }
  const blocks = p.meters.filter(
    (m) =>
      m.kind === 'electricity' &&
      m.space?.use !== 'dorm_room' &&
      ['teaching', 'office', 'laboratory', 'workshop', 'gym', 'library'].includes(m.building.use),
  )
  if (blocks.length === 0) return
  // Lights left on as the building empties before a weekend (Friday evening, or after Saturday classes).
  const lit = rng.pick(blocks)
  const lights = Math.round(rng.uniform(2, 10) * 10) * 100
  p.add(
    {
      type: 'after_hours_load',
      meter: lit.id,
      name: `Lights left on in ${lit.building.id} (${lights} W)`,
      watts: lights,
    },
    rng.uniform(10, 40) * HOUR,
    12 * 60 + 30,
    22 * 60 + 30,
    (t) => !p.occupied(lit, t) && p.dayType(t) === 'school_day' && p.dayType(t + DAY) === 'weekend',
  )
  // Air conditioning (or, in the heating season, electric heaters) left running through a school night.
  const cooled = rng.pick(blocks)
  const ac = Math.round(rng.uniform(3, 8) * 10) * 100
  const duty = r1(rng.uniform(0.5, 0.8))
  const heaters = p.heatingSeason(p.start)
  p.add(
    {
      type: 'after_hours_load',
      meter: cooled.id,
      name: `${heaters ? 'Electric heaters' : 'Air conditioning'} left on in ${cooled.building.id} (${ac} W, ${Math.round(duty * 100)} %)`,
      watts: ac,
      dutyCycle: duty,
      cycleMinutes: Math.round(rng.uniform(10, 25)),
    },
    rng.uniform(9, 12) * HOUR,
    19 * 60,
    22 * 60 + 30,
    (t) => p.dayType(t) === 'school_day' && !p.occupied(cooled, t),
  )
}

function planHeat(p: SchoolPlan, rng: Rng): void {
  const circuits = p.meters.filter((m) => m.kind === 'heat')
  const rooms = p.meters.filter((m) => m.kind === 'temperature' && m.config.placement !== 'outdoor')
  // Without a circuit no heating fault; outside the heating season none is placed.
  if (circuits.length === 0) return
  const inSeason = (t: number) => p.heatingSeason(t)
  const schoolDay = (t: number) => inSeason(t) && p.dayType(t) === 'school_day'
  const pick = () => rng.pick(circuits)
  const c1 = pick()
  p.add(
    { type: 'weekend_heating', meter: c1.id, name: `Heating left on in ${c1.building.id} over the weekend` },
    rng.uniform(8, 30) * HOUR,
    7 * 60,
    10 * 60,
    (t) => inSeason(t) && p.dayType(t) === 'weekend',
  )
  // A bypass left open, or a pump set too fast, stays so until someone looks: days.
  const c2 = pick()
  const deltaK = r1(rng.uniform(1, 3.5))
  p.add(
    { type: 'low_delta_t', meter: c2.id, name: `Bypass open on ${c2.id} (ΔT ${deltaK} K)`, deltaK },
    rng.uniform(1, 3) * DAY,
    7 * 60,
    9 * 60,
    schoolDay,
  )
  const c3 = pick()
  p.add(
    { type: 'no_heat', meter: c3.id, name: `Heat source failed on ${c3.id}` },
    rng.uniform(3, 6) * HOUR,
    5 * 60,
    9 * 60,
    schoolDay,
  )
  if (rooms.length === 0) return
  const cold = rng.pick(rooms)
  const toward = r1(rng.uniform(-2, 3))
  p.add(
    {
      type: 'frost',
      meter: cold.id,
      name: `Window left open in ${cold.space?.id ?? cold.id}`,
      towardC: toward,
    },
    rng.uniform(6, 12) * HOUR,
    18 * 60,
    23 * 60,
    (t) => inSeason(t) && p.dayType(t) !== 'school_day',
  )
  // A radiator valve stuck open heats its room until it is mended.
  const hot = rng.pick(rooms)
  const target = r1(rng.uniform(25, 27.5))
  p.add(
    {
      type: 'overheating',
      meter: hot.id,
      name: `Radiator valve stuck open in ${hot.space?.id ?? hot.id}`,
      targetC: target,
    },
    rng.uniform(1, 3) * DAY,
    8 * 60,
    10 * 60,
    (t) => schoolDay(t) && p.occupied(hot, t),
  )
}

function planMeters(p: SchoolPlan, rng: Rng): void {
  const all = p.meters
  const silent = rng.pick(all)
  p.add(
    { type: 'meter_offline', meter: silent.id, name: `${silent.id} silent (gateway power lost)` },
    rng.uniform(1, 6) * HOUR,
    0,
    24 * 60,
  )
  const registers = all.filter((m) => m.kind !== 'temperature' && m.registerModulus !== undefined)
  if (registers.length === 0) return
  const rolled = rng.pick(registers)
  p.addOnce({
    type: 'register_rollover',
    meter: rolled.id,
    name: `${rolled.id} rolls over`,
    beforeRollover: 0.05,
  })
}
