/**
 * Normal school life that the first rules took for faults (issue: alerts on schools the rules were
 * never tuned to), each next to the fault it must still find: photocell lights, compressors
 * cycling, boarders' shower evenings, a cleaning day, residual warmth, an appliance cycling on its
 * thermostat, an event's last half-hour. Readings go through the real decoder, registers, engine,
 * alert manager and SQLite outbox, in event time.
 */
import { describe, expect, it } from 'vitest'
import { alerting, HOUR, MIN, type Point } from '../helpers/alerting.js'
import { interleave } from '../helpers/golden.js'

const DAY = 24 * HOUR
/** Monday 2 November 2026, Asia/Shanghai: term time and the heating season (from 1 November). */
const MON = Date.parse('2026-11-02T00:00:00+08:00')

const CONFIG = `
district: { id: d, name: District, locale: en }
schools:
  - id: north
    name: North Middle School
    timezone: Asia/Shanghai
    calendar:
      terms: [{ start: "2026-09-01", end: "2027-01-22" }]
      heatingSeason: { start: "11-01", end: "03-31" }
    notifications:
      contacts: { maintenance: [fix@north.example], facilities: [fm@north.example], escalation: [head@north.example] }
    buildings:
      - id: teach
        name: Teaching block
        use: teaching
        spaces:
          - { id: c101, name: Classroom 101, use: classroom }
        meters:
          - { id: E-TEACH, kind: electricity, maxPowerKw: 300, intervalSeconds: 900 }
          - { id: W-TEACH, kind: water, nominalFlowM3h: 4, intervalSeconds: 15 }
          - { id: H-TEACH, kind: heat, maxPowerKw: 400, intervalSeconds: 300 }
          - { id: T-C101, kind: temperature, space: c101, placement: room, intervalSeconds: 300 }
          - { id: T-OUT, kind: temperature, placement: outdoor, intervalSeconds: 300 }
      - id: canteen
        name: Canteen
        use: canteen
        meters:
          - { id: E-CANTEEN, kind: electricity, maxPowerKw: 100, intervalSeconds: 900 }
      - id: dorm
        name: Dormitory
        use: dormitory
        occupancy: { weeklyHours: { sun: ["17:00-07:30"], mon: ["17:00-07:30"], tue: ["17:00-07:30"], wed: ["17:00-07:30"], thu: ["17:00-07:30"] }, quietHours: "22:30-06:00" }
        spaces:
          - { id: r203, name: Room 203, use: dorm_room, appliancePolicy: restricted, roomLimitW: 1500 }
        meters:
          - { id: W-DORM, kind: water, nominalFlowM3h: 6.3, intervalSeconds: 300 }
          - { id: E-R203, kind: electricity, space: r203, maxPowerKw: 8, intervalSeconds: 10 }
          - { id: E-DORM, kind: electricity, maxPowerKw: 200, intervalSeconds: 900 }
`

/** A small seeded random stream (mulberry32): the same readings every run. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Local hour of day (fractional) and weekday (0 = Monday) in Asia/Shanghai. */
const local = (t: number) => {
  const d = new Date(t + 8 * HOUR)
  return { hour: d.getUTCHours() + d.getUTCMinutes() / 60, weekday: (d.getUTCDay() + 6) % 7 }
}
const schoolHours = (t: number) => {
  const { hour, weekday } = local(t)
  return weekday < 5 && hour >= 7 && hour < 18
}

/** An electricity meter's register readings every `stepMs`, from a demand in kW at each instant (integrated per minute). */
function electricity(from: number, days: number, stepMs: number, kw: (t: number) => number): Point[] {
  let kwh = 1000
  const out: Point[] = []
  for (let t = from; t < from + days * DAY; t += stepMs) {
    for (let m = t; m < t + stepMs; m += MIN) kwh += kw(m) / 60
    out.push({ ts: t + stepMs, energy_kwh: Math.round(kwh * 1000) / 1000 })
  }
  return out
}

async function run(feeds: [string, Point[]][], config = CONFIG) {
  const h = await alerting(config)
  for (const { meter, point } of interleave(feeds)) h.feed(meter, [point])
  return h
}

/** Alerts of a rule opened after `after`. */
const openedAfter = async (h: Awaited<ReturnType<typeof alerting>>, rule: string, after: number) =>
  (await h.list(rule)).filter((a) => a.openedAt >= after)

/** Messages to people (e-mail, webhooks, digests), as opposed to MQTT for machines. */
const toPeople = async (h: Awaited<ReturnType<typeof alerting>>) =>
  (await h.store.outbox.all()).filter((r) => r.channel !== 'mqtt')

describe('photocell lights: on every night, weekends too', () => {
  const rnd = random(1)
  // Dusk and dawn drift a minute a day; lights 3 kW; base 2 kW; the school day 20 kW on top.
  const demand = (t: number) => {
    const { hour } = local(t)
    const day = (t - MON) / DAY
    const dark = hour >= 17.1 - day / 60 || hour < 6.6 + day / 60
    return 2 + (dark ? 3 : 0) + (schoolHours(t) ? 20 : 0) + (rnd() - 0.5) * 0.2
  }

  it('three weeks of night lighting raise nothing; a block left on on a Saturday does', async () => {
    const leftOn = MON + 19 * DAY + 10 * HOUR // Saturday of week 3, 10:00–16:00
    const h = await run([
      [
        'E-TEACH',
        electricity(MON, 21, 15 * MIN, (t) => demand(t) + (t >= leftOn && t < leftOn + 6 * HOUR ? 8 : 0)),
      ],
    ])
    const alerts = await h.list('electricity.after_hours')
    // The only one: the Saturday, once it has run three hours (waste waits for the daily digest).
    expect(alerts.map((a) => a.openedAt)).toHaveLength(1)
    expect(alerts[0]!.openedAt).toBeGreaterThanOrEqual(leftOn)
    expect(alerts[0]!.openedAt).toBeLessThanOrEqual(leftOn + 210 * MIN)
    expect(alerts[0]!.message).toMatch(/^Teaching block uses 8(\.\d)? kW more than usual while empty/)
    await h.stop()
  })
})

describe('compressors cycling in the canteen', () => {
  it('fridges and a cold room cycling day and night raise nothing; an oven left on overnight does', async () => {
    const rnd = random(2)
    // A 2.2 kW cold-room compressor: on 8–15 min, off 10–25 min; a 0.4 kW fridge likewise.
    const cycles = (kw: number) => {
      let until = MON
      let on = false
      return (t: number) => {
        while (t >= until) {
          on = !on
          until += (on ? 8 + rnd() * 7 : 10 + rnd() * 15) * MIN
        }
        return on ? kw : 0
      }
    }
    const coldRoom = cycles(2.2)
    const fridge = cycles(0.4)
    const oven = MON + 19 * DAY + 20 * HOUR // Saturday 20:00 of week 3, for 8 hours
    const h = await run([
      [
        'E-CANTEEN',
        electricity(MON, 21, 15 * MIN, (t) => {
          const kitchen = schoolHours(t) && local(t).hour < 13.5 ? 25 : 0
          const ovenOn = t >= oven && t < oven + 8 * HOUR ? 6 : 0
          return 0.8 + coldRoom(t) + fridge(t) + kitchen + ovenOn
        }),
      ],
    ])
    const alerts = await h.list('electricity.after_hours')
    expect(alerts).toHaveLength(1)
    expect(alerts[0]!.openedAt).toBeGreaterThanOrEqual(oven)
    expect(alerts[0]!.openedAt).toBeLessThanOrEqual(oven + 4 * HOUR)
    await h.stop()
  })
})

describe("boarders' shower evenings", () => {
  it('30–50 L/min for 100 minutes twice a week are normal after the first week; a burst is still found within 35 minutes', async () => {
    const rnd = random(3)
    const burst = MON + 16 * DAY + 14 * HOUR // Wednesday of week 3, 14:00, in the empty dormitory
    let register = 500
    let showers = 40
    const points: Point[] = []
    for (let t = MON; t < MON + 21 * DAY; t += 5 * MIN) {
      const { hour, weekday } = local(t)
      if (hour === 0 && t % HOUR === 0) showers = 30 + rnd() * 20
      let lpm = 0.2 * rnd()
      const boarding = weekday < 4 || weekday === 6
      if (boarding && hour >= 18 && hour < 22.5) lpm += 5 + rnd() * 10
      if ((weekday === 1 || weekday === 3) && hour >= 20 && hour < 21 + 40 / 60)
        lpm += showers * (0.8 + rnd() * 0.4)
      if (boarding && hour >= 6 && hour < 7.5) lpm += 4 + rnd() * 8
      if (t >= burst && t < burst + 50 * MIN) lpm += (0.25 * 6300) / 60
      register += (lpm * 5) / 1000
      points.push({ ts: t, volume_m3: Math.round(register * 1e4) / 1e4, flow_lpm: Math.round(lpm * 10) / 10 })
    }
    const h = await run([['W-DORM', points]])
    const afterWarmUp = await openedAfter(h, 'water.burst', MON + 7 * DAY)
    expect(afterWarmUp).toHaveLength(1)
    expect(afterWarmUp[0]!.openedAt - burst).toBeLessThanOrEqual(35 * MIN)
    await h.stop()
  })
})

describe('a cleaning day', () => {
  it('cleaners flushing full cisterns every 2–4 minutes raise nothing; a leaking flapper refilling 1.5 L does', async () => {
    const rnd = random(4)
    const points: Point[] = []
    let register = 100
    // Saturday 09:00–11:00 of week 1: full 6 L flushes; Sunday 01:00–03:00: 1.5 L refills every 4–5 min.
    const cleaning = MON + 5 * DAY + 9 * HOUR
    const flapper = MON + 6 * DAY + 1 * HOUR
    const draws: [number, number][] = []
    for (let t = cleaning; t < cleaning + 2 * HOUR; t += (2 + rnd() * 2) * MIN)
      draws.push([t, 5.8 + rnd() * 0.4])
    for (let t = flapper; t < flapper + 2 * HOUR; t += (4 + rnd()) * MIN) draws.push([t, 1.4 + rnd() * 0.2])
    // School-day toilets: a full flush every few minutes while the block is in use, and taps and
    // sinks of every size in between (as a main meter sees them, runs merge into all sizes).
    for (let t = MON; t < MON + 5 * DAY; t += (1 + rnd() * 6) * MIN)
      if (schoolHours(t)) draws.push([t, 6 + rnd() * 0.3])
    for (let t = MON; t < MON + 5 * DAY; t += (1 + rnd() * 3) * MIN)
      if (schoolHours(t)) draws.push([t, 6 + rnd() * 8])
    draws.sort((a, b) => a[0] - b[0])
    // A cistern refills at 6 L/min.
    let d = 0
    for (let t = MON; t < MON + 7 * DAY; t += 15_000) {
      let lpm = 0
      while (d < draws.length && draws[d]![0] + (draws[d]![1] / 6) * MIN < t) d++
      for (let i = d; i < draws.length && draws[i]![0] <= t; i++)
        if (t < draws[i]![0] + (draws[i]![1] / 6) * MIN) lpm += 6
      register += (lpm * 0.25) / 1000
      points.push({ ts: t, volume_m3: Math.round(register * 1e5) / 1e5, flow_lpm: lpm })
    }
    const h = await run([['W-TEACH', points]])
    const alerts = await h.list('water.cistern_refill')
    expect(alerts).toHaveLength(1)
    expect(alerts[0]!.openedAt).toBeGreaterThanOrEqual(flapper)
    expect(alerts[0]!.evidence.litresEach).toBeLessThan(2)
    await h.stop()
  })
})

describe('residual warmth after the heating stops', () => {
  /** Friday: heating until 21:40, then the room cools toward 8 °C outside; Saturday as given. */
  function weekend(saturdayHeating: boolean) {
    const room: Point[] = []
    const heat: Point[] = []
    const out: Point[] = []
    let c = 20.5
    let kwh = 5000
    const stop = MON + 4 * DAY + 21 * HOUR + 40 * MIN
    const satOn = MON + 5 * DAY + 8 * HOUR
    for (let t = MON + 4 * DAY + 18 * HOUR; t < MON + 6 * DAY; t += 5 * MIN) {
      const on = t < stop || (saturdayHeating && t >= satOn && t < satOn + 8 * HOUR)
      c = on ? Math.min(21, c + 0.2) : c + (8 - c) * (1 - Math.exp(-5 / 1200))
      if (on) kwh += 60 / 12
      room.push({ ts: t, temp_c: Math.round(c * 10) / 10 })
      heat.push({
        ts: t,
        energy_kwh: Math.round(kwh),
        power_kw: on ? 60 : 0,
        flow_m3h: on ? 4 : 0,
        supply_c: on ? 55 : 30,
        return_c: on ? 45 : 29,
      })
      out.push({ ts: t, temp_c: 8 })
    }
    return { room, heat, out }
  }

  it('a room still warm at 02:00 from heating that stopped at 21:40 is not heating', async () => {
    const { room, heat, out } = weekend(false)
    const h = await run([
      ['T-C101', room],
      ['H-TEACH', heat],
      ['T-OUT', out],
    ])
    expect(await h.list('heat.unoccupied_heating')).toEqual([])
    await h.stop()
  })

  it('nor without a heat meter: the room is cooling', async () => {
    const { room, out } = weekend(false)
    const h = await run([
      ['T-C101', room],
      ['T-OUT', out],
    ])
    expect(await h.list('heat.unoccupied_heating')).toEqual([])
    await h.stop()
  })

  it('heating left on all Saturday is found, on the circuit and the room, as one incident', async () => {
    const { room, heat, out } = weekend(true)
    const h = await run([
      ['T-C101', room],
      ['H-TEACH', heat],
      ['T-OUT', out],
    ])
    const alerts = await h.list('heat.unoccupied_heating')
    expect(alerts.map((a) => a.meter).sort()).toEqual(['H-TEACH', 'T-C101'])
    expect(new Set(alerts.map((a) => a.incident)).size).toBe(1)
    await h.stop()
  })
})

describe('an appliance cycling on its thermostat', () => {
  it('a 1.2 kW heater cycling all night is one incident and at most two messages (opened, then worse)', async () => {
    const points: Point[] = []
    let kwh = 10
    const from = MON + 23 * HOUR
    for (let t = from - 10 * MIN; t < from + 7 * HOUR; t += 10_000) {
      const inCycle = (t - from) % (30 * MIN)
      const on = t >= from && inCycle < 20 * MIN
      const w = 60 + (on ? 1200 : 0)
      kwh += (w * 10) / 3.6e6
      points.push({ ts: t, energy_kwh: Math.round(kwh * 1e5) / 1e5, power_w: w, pf: on ? 0.99 : 0.6 })
    }
    const h = await run([['E-R203', points]])
    const alerts = await h.list('electricity.high_power_appliance')
    expect(alerts.length).toBeGreaterThan(5) // one per cycle: the rule sees each one
    expect(new Set(alerts.map((a) => a.incident)).size).toBe(1)
    const incident = (await h.store.incidents.get(alerts[0]!.incident!))!
    expect(incident).toMatchObject({ severity: 'critical', occurrences: alerts.length })
    expect((await toPeople(h)).length).toBeLessThanOrEqual(2)
    await h.stop()
  })
})

describe("an event's last half-hour", () => {
  it('a planned-use window covers the half-hours it covers, the last one too', async () => {
    const config = CONFIG.replace(
      '    notifications:',
      '      plannedUse: [{ name: Concert, building: teach, rules: [electricity.after_hours], start: "2026-11-21T18:00", end: "2026-11-21T22:00" }]\n    notifications:',
    )
    const concert = Date.parse('2026-11-21T18:00:00+08:00')
    const h = await run(
      [
        [
          'E-TEACH',
          electricity(MON, 21, 15 * MIN, (t) => {
            const { hour } = local(t)
            const dark = hour >= 17 || hour < 6.7
            return (
              2 +
              (dark ? 3 : 0) +
              (schoolHours(t) ? 20 : 0) +
              (t >= concert && t < concert + 4 * HOUR ? 15 : 0)
            )
          }),
        ],
      ],
      config,
    )
    expect(await h.list('electricity.after_hours')).toEqual([])
    await h.stop()
  })
})

describe('a planned fill', () => {
  it('the hours of a planned-use window do not count into a run that alerts the moment it closes', async () => {
    const config = CONFIG.replace(
      '    notifications:',
      '      plannedUse: [{ name: Tank filling, building: teach, rules: [water.after_hours_flow, water.burst, water.continuous_flow], weekly: { sat: ["06:00-12:00"] } }]\n    notifications:',
    )
    const sat = MON + 5 * DAY
    let register = 10
    const points: Point[] = []
    for (let t = sat; t < sat + 18 * HOUR; t += 5 * MIN) {
      // The tank fills until noon, and a little longer than planned.
      const lpm = t >= sat + 6 * HOUR && t <= sat + 12 * HOUR + 5 * MIN ? 20 : 0
      register += (lpm * 5) / 1000
      points.push({ ts: t, volume_m3: Math.round(register * 1e5) / 1e5, flow_lpm: lpm })
    }
    const h = await run([['W-TEACH', points]], config)
    expect((await h.list()).filter((a) => a.rule.startsWith('water.'))).toEqual([])
    await h.stop()
  })
})

describe('use that comes back at the same time every week', () => {
  it("Sunday's dinner for returning boarders and Monday's departures are normal after the first week; lights left on all weekend are found every time", async () => {
    // The dormitory's own meter: 2 kW when empty, 12 kW with boarders in (Sunday 17:00 to Friday
    // 07:30 nights); boarders leave on Monday 07:30–09:30 (showers, hair dryers, chargers: +6 kW)
    // and the canteen-side kitchen of the block cooks on Sunday 15:00–17:00 (+20 kW).
    const rnd = random(5)
    const weekends = [MON + 19 * DAY, MON + 26 * DAY] // Saturdays of weeks 3 and 4
    const h = await run([
      [
        'E-DORM',
        electricity(MON, 28, 15 * MIN, (t) => {
          const { hour, weekday } = local(t)
          const boarders =
            (weekday <= 3 && (hour >= 17 || hour < 7.5)) ||
            (weekday === 6 && hour >= 17) ||
            (weekday === 4 && hour < 7.5) ||
            (weekday <= 4 && weekday >= 1 && hour < 7.5)
          let kw = 2 + (boarders ? 10 : 0) + (rnd() - 0.5) * 0.4
          if (weekday === 0 && hour >= 7.5 && hour < 9.5) kw += 6
          if (weekday === 6 && hour >= 15 && hour < 17) kw += 20
          for (const sat of weekends) if (t >= sat + 9 * HOUR && t < sat + 33 * HOUR) kw += 5
          return kw
        }),
      ],
    ])
    const alerts = (await h.list('electricity.after_hours')).filter((a) => a.openedAt >= MON + 7 * DAY)
    expect(alerts.map((a) => Math.floor((a.openedAt - MON) / DAY))).toEqual([26, 19])
    await h.stop()
  })

  it('the kitchen washing up after the building empties and the grounds watered at dawn are normal; a tap left running is not', async () => {
    const rnd = random(6)
    const tap = MON + 17 * DAY + 20 * HOUR // Thursday of week 3, 20:00, for the night
    const points = (() => {
      let register = 100
      const out: Point[] = []
      for (let t = MON; t < MON + 21 * DAY; t += 5 * MIN) {
        const { hour, weekday } = local(t)
        let lpm = 0
        if (weekday < 5 && hour >= 7 && hour < 18) lpm += rnd() < 0.5 ? 3 + rnd() * 6 : 0
        if (weekday < 5 && hour >= 18 && hour < 18.8) lpm += 2 + rnd() * 0.4 // washing up
        if (hour >= 5.7 && hour < 6.8) lpm += 28 + rnd() * 2 // sprinklers, every day
        if (t >= tap && t < tap + 10 * HOUR) lpm += 4
        register += (lpm * 5) / 1000
        out.push({
          ts: t,
          volume_m3: Math.round(register * 1e5) / 1e5,
          flow_lpm: Math.round(lpm * 100) / 100,
        })
      }
      return out
    })()
    const h = await run([['W-TEACH', points]])
    const alerts = await openedAfter(h, 'water.after_hours_flow', MON + 7 * DAY)
    expect(alerts).toHaveLength(1)
    expect(alerts[0]!.openedAt - tap).toBeLessThanOrEqual(40 * MIN)
    await h.stop()
  })
})
