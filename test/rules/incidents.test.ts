/**
 * One fault, one incident: a drip on a dormitory sub-meter trips several rules on it and on the
 * main meter upstream, and comes back every night — one incident, one message. Incidents close
 * themselves after their hold-off in event time; a person's action closes the fault, not a symptom.
 * Also: a main incomer's alert names the school, and gaps that nobody saw live are recorded.
 */
import { describe, expect, it } from 'vitest'
import { say } from '../../rules/types.js'
import { alerting, HOUR, MIN, type Point } from '../helpers/alerting.js'
import { interleave } from '../helpers/golden.js'

const DAY = 24 * HOUR
const MON = Date.parse('2026-11-02T00:00:00+08:00')

const CONFIG = `
district: { id: d, name: District, locale: en }
schools:
  - id: hill
    name: Hill Boarding School
    timezone: Asia/Shanghai
    calendar:
      terms: [{ start: "2026-09-01", end: "2027-01-22" }]
    notifications:
      contacts: { maintenance: [fix@hill.example], facilities: [fm@hill.example] }
    buildings:
      - id: teach
        name: Teaching block
        use: teaching
        meters:
          - { id: W-MAIN, kind: water, nominalFlowM3h: 10, intervalSeconds: 300 }
          - { id: W-TEACH, kind: water, parent: W-MAIN, nominalFlowM3h: 4, intervalSeconds: 300 }
          - { id: E-MAIN, name: Incomer, kind: electricity, intervalSeconds: 900 }
          - { id: E-TEACH, kind: electricity, parent: E-MAIN, intervalSeconds: 900 }
      - id: dorm
        name: Dormitory
        use: dormitory
        occupancy: { weeklyHours: { sun: ["17:00-07:30"], mon: ["17:00-07:30"], tue: ["17:00-07:30"], wed: ["17:00-07:30"], thu: ["17:00-07:30"] }, quietHours: "22:30-06:00" }
        meters:
          - { id: W-DORM, kind: water, parent: W-MAIN, nominalFlowM3h: 6.3, intervalSeconds: 300 }
          - { id: E-DORM, kind: electricity, parent: E-MAIN, intervalSeconds: 900 }
`

const local = (t: number) => {
  const d = new Date(t + 8 * HOUR)
  return { hour: d.getUTCHours() + d.getUTCMinutes() / 60, weekday: (d.getUTCDay() + 6) % 7 }
}

/** Water readings every 5 minutes with the flow of each instant (L/min), register and flow. */
function water(from: number, to: number, lpm: (t: number) => number, start = 100): Point[] {
  let register = start
  const out: Point[] = []
  for (let t = from; t < to; t += 5 * MIN) {
    const f = lpm(t)
    register += (f * 5) / 1000
    out.push({ ts: t, volume_m3: Math.round(register * 1e5) / 1e5, flow_lpm: Math.round(f * 1000) / 1000 })
  }
  return out
}

async function run(feeds: [string, Point[]][]) {
  const h = await alerting(CONFIG)
  for (const { meter, point } of interleave(feeds)) h.feed(meter, [point])
  return h
}

const toPeople = async (h: Awaited<ReturnType<typeof alerting>>) =>
  (await h.store.outbox.all()).filter((r) => r.channel !== 'mqtt')

describe('one fault, one incident', () => {
  it('a 0.6 L/h drip in the dormitory, seen on its meter and the main meter for three days, is one incident and one message', async () => {
    const drip = MON + 1 * DAY + 9 * HOUR
    const end = MON + 5 * DAY
    // The dormitory: washing mornings and evenings while boarders are in; the teaching block by day.
    const dorm = (t: number) => {
      const { hour, weekday } = local(t)
      const boarding = weekday < 4 || weekday === 6
      const use = boarding && ((hour >= 6 && hour < 7.5) || (hour >= 18 && hour < 22)) ? 6 : 0
      return use + (t >= drip ? 0.6 / 60 : 0)
    }
    const teach = (t: number) => {
      const { hour, weekday } = local(t)
      return weekday < 5 && hour >= 7 && hour < 18 && Math.floor(t / (5 * MIN)) % 3 === 0 ? 4 : 0
    }
    const h = await run([
      ['W-DORM', water(MON, end, dorm)],
      ['W-TEACH', water(MON, end, teach)],
      ['W-MAIN', water(MON, end, (t) => dorm(t) + teach(t))],
    ])
    const alerts = (await h.list()).filter((a) => a.rule.startsWith('water.'))
    // Several rules, on the sub-meter and upstream, raised again as the building filled and emptied…
    expect(alerts.length).toBeGreaterThan(2)
    expect(new Set(alerts.map((a) => a.meter))).toEqual(new Set(['W-DORM', 'W-MAIN']))
    // …one incident, placed on the dormitory's meter, and one message to the maintenance team.
    expect(new Set(alerts.map((a) => a.incident)).size).toBe(1)
    const incident = (await h.store.incidents.get(alerts[0]!.incident!))!
    expect(incident).toMatchObject({
      meter: 'W-DORM',
      building: 'dorm',
      family: 'water_loss',
      status: 'open',
    })
    expect((await toPeople(h)).map((r) => r.target)).toEqual(['fix@hill.example'])
    await h.stop()
  })

  it('an incident whose fault stays away for its hold-off closes itself; the next one is a new incident', async () => {
    const h = await alerting(CONFIG)
    // A burst at 02:00 for 40 minutes on the teaching block (the meter and the main one upstream).
    const burst = (t: number) => (t >= MON + 2 * HOUR && t < MON + 2 * HOUR + 40 * MIN ? 20 : 0)
    const days = (n: number, f: (t: number) => number) => [
      ...water(MON, MON + n * DAY, f).map((p) => ['W-TEACH', p] as const),
    ]
    for (const [m, p] of days(3, (t) => burst(t) + burst(t - 2 * DAY))) h.feed(m, [p])
    const alerts = await h.list('water.burst')
    // Flowing since the reading before the first at 20 L/min: 30 minutes after 01:55.
    expect(alerts.map((a) => a.openedAt)).toEqual([
      MON + 2 * DAY + 2 * HOUR + 25 * MIN,
      MON + 2 * HOUR + 25 * MIN,
    ])
    const [second, first] = alerts
    expect(second!.incident).not.toBe(first!.incident)
    // The first closed itself a day (its hold-off) after it went quiet, in event time.
    expect(await h.store.incidents.get(first!.incident!)).toMatchObject({
      status: 'resolved',
      resolvedBy: 'rule',
    })
    expect(await h.store.incidents.get(second!.incident!)).toMatchObject({ status: 'open' })
    await h.stop()
  })

  it('resolving an alert resolves its incident and the incident’s other alerts', async () => {
    const h = await alerting(CONFIG)
    for (const p of water(MON, MON + 4 * HOUR, () => 20)) h.feed('W-TEACH', [p])
    const [burst] = await h.list('water.burst')
    const others = (await h.list()).filter((a) => a.incident === burst!.incident && a.id !== burst!.id)
    expect(others.length).toBeGreaterThan(0) // after-hours flow at night, on the same meter
    await h.alerts.resolve(burst!.id, 'Li', 'valve closed, pipe repaired')
    expect(await h.store.incidents.get(burst!.incident!)).toMatchObject({
      status: 'resolved',
      resolvedBy: 'Li',
    })
    for (const a of (await h.list()).filter((x) => x.incident === burst!.incident))
      expect(a.status).toBe('resolved')
    await h.stop()
  })
})

describe('which incident an alert on another meter belongs to', () => {
  const active = (rule: string, meter: string) =>
    ({
      active: true,
      severity: rule === 'water.burst' ? 'critical' : 'warning',
      message: say('rule.meter.offline', { meter, place: meter, minutes: 1 }),
      evidence: {},
    }) as const

  it("the sub-meter that shows the main meter's night flow places it; a burst elsewhere the next day is a fault of its own", async () => {
    const h = await alerting(CONFIG)
    const m = (id: string) => h.registry.meters.get(id)!
    // 02:30: the main meter runs all night (the drip, not yet placed); 03:00 it stops being seen.
    const night = await h.alerts.raise(
      'water.after_hours_flow',
      m('W-MAIN'),
      active('water.after_hours_flow', 'W-MAIN'),
      MON + 2.5 * HOUR,
    )
    await h.alerts.clear('water.after_hours_flow', m('W-MAIN'), MON + 3 * HOUR)
    // Next night a pipe bursts in the teaching block, downstream of the main meter.
    const burst = await h.alerts.raise(
      'water.burst',
      m('W-TEACH'),
      active('water.burst', 'W-TEACH'),
      MON + DAY + 1 * HOUR,
    )
    expect(burst.incident).not.toBe(night.incident)
    expect(await h.store.incidents.get(night.incident!)).toMatchObject({
      meter: 'W-MAIN',
      severity: 'warning',
    })
    // A day after the drip began, the dormitory's continuous flow shows where it is: the main
    // meter's incident moves there.
    const drip = await h.alerts.raise(
      'water.continuous_flow',
      m('W-DORM'),
      active('water.continuous_flow', 'W-DORM'),
      MON + DAY + 2 * HOUR,
    )
    expect(drip.incident).toBe(night.incident)
    expect(await h.store.incidents.get(night.incident!)).toMatchObject({ meter: 'W-DORM', building: 'dorm' })
    // The burst's own after-hours flow on the teaching block and the main meter join the burst.
    const teachNight = await h.alerts.raise(
      'water.after_hours_flow',
      m('W-TEACH'),
      active('water.after_hours_flow', 'W-TEACH'),
      MON + DAY + 1.5 * HOUR,
    )
    expect(teachNight.incident).toBe(burst.incident)
    await h.stop()
  })
})

describe("an alert names the meter's own place", () => {
  it('waste on the main incomer is the school’s, not the building the meter stands in', async () => {
    const h = await alerting(CONFIG)
    // Two weeks of a normal incomer (teaching by day, dormitory by night), then 10 kW more all Saturday.
    const saturday = MON + 12 * DAY
    const kw = (t: number) => {
      const { hour, weekday } = local(t)
      const teach = weekday < 5 && hour >= 7 && hour < 18 ? 30 : 3
      const dorm = hour >= 18 || hour < 7 ? 8 : 2
      return teach + dorm + (t >= saturday + 8 * HOUR && t < saturday + 18 * HOUR ? 10 : 0)
    }
    let kwh = 100
    for (let t = MON; t < MON + 13 * DAY; t += 15 * MIN) {
      for (let m = t; m < t + 15 * MIN; m += MIN) kwh += kw(m) / 60
      h.feed('E-MAIN', [{ ts: t + 15 * MIN, energy_kwh: Math.round(kwh * 1000) / 1000 }])
    }
    const [a] = await h.list('electricity.after_hours')
    expect(a?.message).toMatch(/^Hill Boarding School uses (9|10)(\.\d)? kW more than usual while empty/)
    await h.stop()
  })
})

describe('meter.offline in a backfill or a replay', () => {
  it('a gap nobody saw live is recorded in event time, without telling people; readings in order raise nothing', async () => {
    const h = await alerting(CONFIG)
    const silentFrom = MON + 10 * HOUR
    // A day of history at once, as a backfill brings it: W-DORM has two hours missing.
    const points = water(MON, MON + DAY, () => 0)
    for (const p of points) if (p.ts < silentFrom || p.ts >= silentFrom + 2 * HOUR) h.feed('W-DORM', [p])
    for (const p of water(MON, MON + DAY, () => 0)) h.feed('W-TEACH', [p])
    const offline = await h.list('meter.offline')
    expect(offline).toHaveLength(1)
    expect(offline[0]).toMatchObject({
      meter: 'W-DORM',
      status: 'resolved',
      openedAt: silentFrom - 5 * MIN + 15 * MIN,
      resolvedAt: silentFrom + 2 * HOUR,
    })
    expect(await toPeople(h)).toEqual([])
    await h.stop()
  })

  it('a silent meter is still found on a live stream, by the wall clock', async () => {
    let now = MON
    const h = await alerting(CONFIG, { now: () => now })
    h.ingest.handle('schools/hill/meters/W-DORM', Buffer.from(JSON.stringify({ ts: MON, volume_m3: 1 })), MON)
    now = MON + 16 * MIN
    expect(h.engine.checkOffline()).toBe(1)
    expect((await h.list('meter.offline'))[0]).toMatchObject({ meter: 'W-DORM', status: 'open' })
    await h.stop()
  })
})
