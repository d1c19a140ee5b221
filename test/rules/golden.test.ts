/**
 * RULES.md golden cases 1–9, each through the real decoder, registers, rules engine and alert
 * manager (test/rules/service.test.ts runs the same cases through MQTT and the HTTP API).
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openStore } from '../../store/index.js'
import { alerting, GOLDEN_CONFIG, HOUR, MIN, type Point, series } from '../helpers/alerting.js'
import * as g from '../helpers/golden.js'

async function run(feeds: g.Feeds) {
  const h = await alerting()
  for (const { meter, point } of g.interleave(feeds)) h.feed(meter, [point])
  return h
}

describe('golden case 1: water.continuous_flow on hourly readings', () => {
  it('24 consecutive hours each ≥ 2 L → a leak alert', async () => {
    const h = await run(g.hourlyWater())
    const [a] = await h.list('water.continuous_flow')
    expect(a).toMatchObject({
      meter: 'W-HOURLY',
      status: 'open',
      severity: 'warning',
      openedAt: g.MON + 24 * HOUR,
    })
    expect(a!.evidence.leakLitresPerHour).toBeCloseTo(2, 3)
    expect(a!.evidence.litresPerDay).toBeCloseTo(48, 1)
    await h.stop()
  })

  it('the same with one 0 L hour → nothing', async () => {
    const h = await run(g.hourlyWater(12))
    expect(await h.list('water.continuous_flow')).toEqual([])
    await h.stop()
  })
})

describe('golden case 1 across a restart, with the state saved in its earlier shape', () => {
  it('raises the same alert at the same hour', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'schoolmeter-golden-'))
    const [[meter, points]] = g.hourlyWater() as [[string, Point[]]]
    const first = await alerting(undefined, { dataDir })
    first.feed(meter, points.slice(0, 12))
    await first.stop()
    // Rewrite the saved window as it used to be kept: one [hour, litres, flow] per hour seen.
    const raw = openStore(dataDir)
    const row = raw.db
      .prepare("SELECT rowid, state FROM meter_state WHERE part = 'rules' AND meter_id = ?")
      .get(meter) as { rowid: number; state: string }
    const saved = JSON.parse(row.state)
    const flat = saved['water.continuous_flow'].s as {
      from: number
      litres: number[]
      flows: number[]
      current: number
    }
    expect(flat.litres.length).toBeGreaterThan(5)
    saved['water.continuous_flow'].s = {
      hours: flat.litres.map((l, i) => [flat.from + i, l, flat.flows[i]]).filter((e) => e[2] !== -2),
      current: flat.current,
    }
    raw.db.prepare('UPDATE meter_state SET state = ? WHERE rowid = ?').run(JSON.stringify(saved), row.rowid)
    await raw.close()

    const second = await alerting(undefined, { dataDir })
    second.feed(meter, points.slice(12))
    const [a] = await second.list('water.continuous_flow')
    expect(a).toMatchObject({ meter, status: 'open', openedAt: g.MON + 24 * HOUR })
    expect(a!.evidence.leakLitresPerHour).toBeCloseTo(2, 3)
    await second.stop()
  })
})

describe('golden case 2: a 0.5 L/h drip on top of normal use', () => {
  it('is caught by water.continuous_flow within 25 h', async () => {
    const leakStart = g.MON + 5 * HOUR
    const h = await run(g.drip(leakStart))
    const [a] = await h.list('water.continuous_flow')
    expect(a).toBeDefined()
    expect(a!.openedAt - leakStart).toBeLessThanOrEqual(25 * HOUR)
    expect(a!.evidence.leakLitresPerHour).toBeCloseTo(0.5, 1)
    await h.stop()
  })
})

describe('golden case 3: water.burst', () => {
  it('25 % of nominal flow for 30 min → critical burst', async () => {
    const h = await run(g.burst(30))
    const [a] = await h.list('water.burst')
    expect(a).toMatchObject({ severity: 'critical', status: 'resolved', resolvedBy: 'rule' })
    expect(a!.evidence.flowLpm).toBeCloseTo(16.67, 1)
    await h.stop()
  })

  it('for 25 min → nothing', async () => {
    const h = await run(g.burst(25))
    expect(await h.list('water.burst')).toEqual([])
    await h.stop()
  })
})

describe('golden case 4: water.cistern_refill', () => {
  it('three refills of ~6 L within 15 min at 02:00 → a running toilet', async () => {
    const h = await run(g.refills())
    const [a] = await h.list('water.cistern_refill')
    expect(a).toMatchObject({ status: 'open' })
    expect(a!.evidence).toMatchObject({ refills: 3, periodMinutes: 5 })
    expect(a!.evidence.litresEach).toBeCloseTo(6, 0)
    await h.stop()
  })

  it('refills of very different volumes do not count', async () => {
    const h = await run(g.refills([6, 2, 12]))
    expect(await h.list('water.cistern_refill')).toEqual([])
    await h.stop()
  })
})

describe('golden case 5: water.night_flow', () => {
  it('night flow steps from 0 to 30 L/h and stays → alert on the second night', async () => {
    const h = await run(g.nights((n) => (n >= 6 ? 30 : 0)))
    const [a] = await h.list('water.night_flow')
    expect(a).toBeDefined()
    expect(a!.evidence.minNightFlowLitresPerHour).toBeCloseTo(30, 0)
    expect(a!.evidence.baselineLitresPerHour).toBe(0)
    // Nights 6 and 7 exceed: raised at the end of night 7's window (04:00).
    expect(a!.openedAt).toBe(g.NIGHTS_FROM + 7 * 24 * HOUR + 4 * HOUR)
    await h.stop()
  })

  it('one spike night → nothing', async () => {
    const h = await run(g.nights((n) => (n === 6 ? 30 : 0)))
    expect(await h.list('water.night_flow')).toEqual([])
    await h.stop()
  })
})

describe('golden cases 6 and 7: electricity.high_power_appliance in a dorm room', () => {
  it('+2000 W held 3 min → alert (resistive), resolved when it stops', async () => {
    const h = await run(g.dormStep(2000, 180))
    const [a] = await h.list('electricity.high_power_appliance')
    expect(a).toMatchObject({ severity: 'warning', status: 'resolved', space: 'r101' })
    expect(a!.evidence).toMatchObject({ stepWatts: 2000, resistive: true })
    await h.stop()
  })

  it('+2000 W for 5 s → nothing, even sampled every second', async () => {
    const h = await run(g.dormStep(2000, 5, 1, 10 * MIN))
    expect(await h.list('electricity.high_power_appliance')).toEqual([])
    await h.stop()
  })

  it('+150 W → nothing', async () => {
    const h = await run(g.dormStep(150, 600))
    expect(await h.list('electricity.high_power_appliance')).toEqual([])
    await h.stop()
  })

  it('+1500 W from 23:00 to 06:00 → alert, critical after 15 min', async () => {
    const h = await run(g.heater())
    const [a] = await h.list('electricity.high_power_appliance')
    expect(a).toMatchObject({ severity: 'critical', status: 'resolved' })
    const history = (await h.store.alerts.events(a!.id)).map((e) => [e.transition, e.at])
    expect(history[0]).toEqual(['opened', g.HEATER_ON + 60_000])
    expect(history[1]![0]).toBe('escalated')
    expect(history[1]![1]).toBeGreaterThan(g.HEATER_ON + 15 * MIN)
    expect(history[1]![1]).toBeLessThanOrEqual(g.HEATER_ON + 16 * MIN)
    await h.stop()
  })
})

describe('golden case 8: heat.unoccupied_heating', () => {
  it('Saturday, outdoor 10 °C, heat flowing 3 h → alert', async () => {
    const h = await run(g.saturdayHeating(10))
    const [a] = await h.list('heat.unoccupied_heating')
    expect(a).toBeDefined()
    expect(a!.openedAt).toBe(g.SAT + 10 * HOUR)
    expect(a!.evidence.outdoorC).toBe(10)
    await h.stop()
  })

  it('outdoor 2 °C (frost protection) → nothing', async () => {
    const h = await run(g.saturdayHeating(2))
    expect(await h.list('heat.unoccupied_heating')).toEqual([])
    await h.stop()
  })
})

describe('golden case 9: heat.low_delta_t', () => {
  it('heating season, supply 70 °C / return 68 °C with flow for 6 h → alert', async () => {
    const h = await run(g.lowDeltaT())
    const [a] = await h.list('heat.low_delta_t')
    expect(a).toMatchObject({ status: 'open', severity: 'warning', openedAt: g.MON + 14 * HOUR })
    expect(a!.evidence.deltaK).toBe(2)
    await h.stop()
  })
})

describe('water.after_hours_flow needs readings close together', () => {
  // 0.4 L/min from 01:00 to 04:00 on a school night: a tap left running, seen minute by minute —
  // or two toilet blocks' urinal cisterns, seen as a quarter-hour's mean flow.
  const night = (stepMs: number) => {
    let register = 30
    return series(g.MON + HOUR, stepMs, (3 * HOUR) / stepMs, () => {
      register += (0.4 * stepMs) / MIN / 1000
      return { volume_m3: Math.round(register * 1e6) / 1e6, flow_lpm: 0.4 }
    })
  }

  it('minute readings: a run of 30 min → alert', async () => {
    const h = await alerting()
    h.feed('W1', night(MIN))
    const [a] = await h.list('water.after_hours_flow')
    expect(a).toMatchObject({ meter: 'W1', openedAt: g.MON + HOUR + 30 * MIN })
    await h.stop()
  })

  it('quarter-hourly readings → nothing: the flow may have stopped between them', async () => {
    const h = await alerting()
    h.feed('W1', night(15 * MIN))
    expect(await h.list('water.after_hours_flow')).toEqual([])
    await h.stop()
  })
})

describe('water.continuous_flow where the hours’ litres decide', () => {
  // A boarding school's incomer, read hourly (register only): the teaching block by day, the
  // dormitory by night — someone draws water every hour of a school week.
  const config = GOLDEN_CONFIG.replace(
    '          - { id: W-HOURLY, kind: water, intervalSeconds: 3600 }',
    '          - { id: W-HOURLY, kind: water, intervalSeconds: 3600 }\n          - { id: W-INCOMER, kind: water, intervalSeconds: 3600 }',
  ).replace(
    '          - { id: E-R101,',
    '          - { id: W-DORM, kind: water, parent: W-INCOMER, intervalSeconds: 3600 }\n          - { id: E-R101,',
  )
  const hourly = (meter: string, from: number, hours: number) => {
    let v = 10
    return series(from, HOUR, hours, () => ({ volume_m3: Math.round((v += 0.004) * 1e6) / 1e6 })).map(
      (point) => ({ meter, point }),
    )
  }

  it('an incomer serving buildings occupied around the clock → nothing from litres alone', async () => {
    const h = await alerting(config)
    // Monday 07:00 to Wednesday 07:00: school days, a school night between.
    for (const { meter, point } of hourly('W-INCOMER', g.MON + 7 * HOUR, 48)) h.feed(meter, [point])
    expect(await h.list('water.continuous_flow')).toEqual([])
    await h.stop()
  })

  it('the same litres through a night nobody is in → a leak', async () => {
    const h = await alerting(config)
    // Friday 07:00 to Sunday 07:00: the dormitory is empty on Friday and Saturday nights.
    for (const { meter, point } of hourly('W-INCOMER', g.MON + 4 * 24 * HOUR + 7 * HOUR, 48))
      h.feed(meter, [point])
    expect(await h.list('water.continuous_flow')).toHaveLength(1)
    await h.stop()
  })
})
