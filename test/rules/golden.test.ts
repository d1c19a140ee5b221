/**
 * RULES.md golden cases 1–9, each through the real decoder, registers, rules engine and alert
 * manager (the MQTT and HTTP path is covered by test/rules/service.test.ts).
 */
import { describe, expect, it } from 'vitest'
import { alerting, HOUR, MIN, series } from '../helpers/alerting.js'

// Monday 16 November 2026, 00:00 in Shanghai: a school week, heating season.
const MON = Date.parse('2026-11-16T00:00:00+08:00')
const SAT = Date.parse('2026-11-21T00:00:00+08:00')

describe('golden case 1: water.continuous_flow on hourly readings', () => {
  it('24 consecutive hours each ≥ 2 L → a leak alert', () => {
    const h = alerting()
    h.feed(
      'W-HOURLY',
      series(MON, HOUR, 27, (_t, i) => ({ volume_m3: 10 + i * 0.002 })),
    )
    const [a] = h.list('water.continuous_flow')
    expect(a).toMatchObject({ meter: 'W-HOURLY', status: 'open', severity: 'warning' })
    expect(a!.evidence.leakLitresPerHour).toBeCloseTo(2, 3)
    expect(a!.evidence.litresPerDay).toBeCloseTo(48, 1)
    h.stop()
  })

  it('the same with one 0 L hour → nothing', () => {
    const h = alerting()
    let v = 10
    h.feed(
      'W-HOURLY',
      series(MON, HOUR, 27, (_t, i) => ({ volume_m3: (v += i === 12 ? 0 : 0.002) })),
    )
    expect(h.list('water.continuous_flow')).toEqual([])
    h.stop()
  })
})

describe('golden case 2: a 0.5 L/h drip on top of normal use', () => {
  it('is caught by water.continuous_flow within 25 h', () => {
    const h = alerting()
    const leakStart = MON + 5 * HOUR
    let register = 100
    const points = series(MON, MIN, 36 * 60, (t) => {
      const hour = new Date(t + 8 * HOUR).getUTCHours()
      const use = hour >= 7 && hour < 18 && (t / MIN) % 7 < 2 ? 8 : 0 // school-day taps, litres per minute
      const drip = t >= leakStart ? 0.5 / 60 : 0
      register += (use + drip) / 1000
      return { volume_m3: Math.round(register * 1e6) / 1e6, flow_lpm: Math.round((use + drip) * 1e4) / 1e4 }
    })
    h.feed('W1', points)
    const [a] = h.list('water.continuous_flow')
    expect(a).toBeDefined()
    expect(a!.openedAt - leakStart).toBeLessThanOrEqual(25 * HOUR)
    expect(a!.evidence.leakLitresPerHour).toBeCloseTo(0.5, 1)
    h.stop()
  })
})

describe('golden case 3: water.burst', () => {
  // Q3 = 4 m³/h → 25 % = 16.7 L/min; the threshold is 20 % = 13.3 L/min.
  const burst = (minutes: number) => {
    const h = alerting()
    let register = 50
    const from = MON + 2 * HOUR
    h.feed(
      'W1',
      series(from, MIN, 60, (_t, i) => {
        const flow = i >= 5 && i < 5 + minutes ? (0.25 * 4000) / 60 : 0
        register += flow / 1000
        return { volume_m3: Math.round(register * 1e5) / 1e5, flow_lpm: Math.round(flow * 100) / 100 }
      }),
    )
    return h
  }

  it('25 % of nominal flow for 30 min → critical burst', () => {
    const h = burst(30)
    const [a] = h.list('water.burst')
    expect(a).toMatchObject({ severity: 'critical', status: 'resolved', resolvedBy: 'rule' })
    expect(a!.evidence.flowLpm).toBeCloseTo(16.67, 1)
    h.stop()
  })

  it('for 25 min → nothing', () => {
    const h = burst(25)
    expect(h.list('water.burst')).toEqual([])
    h.stop()
  })
})

describe('golden case 4: water.cistern_refill', () => {
  it('three refills of ~6 L within 15 min at 02:00 → a running toilet', () => {
    const h = alerting()
    let register = 20
    const refillAt = new Set([3, 8, 13])
    const litres = [6.1, 5.9, 6.0]
    let k = 0
    h.feed(
      'W1',
      series(MON + 2 * HOUR, MIN, 30, (_t, i) => {
        if (refillAt.has(i)) register += litres[k++]! / 1000
        return { volume_m3: Math.round(register * 1e6) / 1e6 }
      }),
    )
    const [a] = h.list('water.cistern_refill')
    expect(a).toMatchObject({ status: 'open' })
    expect(a!.evidence).toMatchObject({ refills: 3, periodMinutes: 5 })
    expect(a!.evidence.litresEach).toBeCloseTo(6, 0)
    h.stop()
  })

  it('refills of very different volumes do not count', () => {
    const h = alerting()
    let register = 20
    const sizes: Record<number, number> = { 3: 6, 8: 2, 13: 12 }
    h.feed(
      'W1',
      series(MON + 2 * HOUR, MIN, 30, (_t, i) => ({
        volume_m3: Math.round((register += (sizes[i] ?? 0) / 1000) * 1e6) / 1e6,
      })),
    )
    expect(h.list('water.cistern_refill')).toEqual([])
    h.stop()
  })
})

describe('golden case 5: water.night_flow', () => {
  const nights = (extraLph: (night: number) => number) => {
    const h = alerting()
    let register = 500
    h.feed(
      'W1',
      series(MON - 7 * 24 * HOUR, 5 * MIN, 10 * 24 * 12, (t) => {
        const night = Math.floor((t - (MON - 7 * 24 * HOUR)) / (24 * HOUR))
        const hour = new Date(t + 8 * HOUR).getUTCHours()
        const base = hour >= 1 && hour < 5 ? 0 : 3
        register += ((base + (hour >= 1 && hour < 5 ? extraLph(night) : 0)) * 5) / 60 / 1000
        return { volume_m3: Math.round(register * 1e6) / 1e6 }
      }),
    )
    return h
  }

  it('night flow steps from 0 to 30 L/h and stays → alert on the second night', () => {
    const h = nights((n) => (n >= 6 ? 30 : 0))
    const [a] = h.list('water.night_flow')
    expect(a).toBeDefined()
    expect(a!.evidence.minNightFlowLitresPerHour).toBeCloseTo(30, 0)
    expect(a!.evidence.baselineLitresPerHour).toBe(0)
    // Raised after the second night's window (night 7, i.e. the 8th day from the start, 04:00).
    expect(a!.openedAt).toBeGreaterThanOrEqual(MON - 7 * 24 * HOUR + 7 * 24 * HOUR + 4 * HOUR)
    expect(a!.openedAt).toBeLessThan(MON - 7 * 24 * HOUR + 7 * 24 * HOUR + 5 * HOUR)
    h.stop()
  })

  it('one spike night → nothing', () => {
    const h = nights((n) => (n === 6 ? 30 : 0))
    expect(h.list('water.night_flow')).toEqual([])
    h.stop()
  })
})

describe('golden cases 6 and 7: electricity.high_power_appliance in a dorm room', () => {
  const room = (stepW: number, from: number, seconds: number, stepS = 10, total = 30 * MIN) => {
    const h = alerting()
    let kwh = 10
    const start = Date.parse('2026-11-16T20:00:00+08:00')
    h.feed(
      'E-R101',
      series(start, stepS * 1000, Math.floor(total / (stepS * 1000)), (t) => {
        const on = t >= start + from && t < start + from + seconds * 1000
        const p = 120 + (on ? stepW : 0)
        kwh += (p * stepS) / 3.6e6
        return { energy_kwh: Math.round(kwh * 1e6) / 1e6, power_w: p, pf: on ? 0.99 : 0.9 }
      }),
    )
    return h
  }

  it('+2000 W held 3 min → alert (resistive), resolved when it stops', () => {
    const h = room(2000, 5 * MIN, 180)
    const [a] = h.list('electricity.high_power_appliance')
    expect(a).toMatchObject({ severity: 'warning', status: 'resolved', space: 'r101' })
    expect(a!.evidence).toMatchObject({ stepWatts: 2000, resistive: true })
    h.stop()
  })

  it('+2000 W for 5 s → nothing, even sampled every second', () => {
    const h = room(2000, 5 * MIN, 5, 1, 10 * MIN)
    expect(h.list('electricity.high_power_appliance')).toEqual([])
    h.stop()
  })

  it('+150 W → nothing', () => {
    const h = room(150, 5 * MIN, 600)
    expect(h.list('electricity.high_power_appliance')).toEqual([])
    h.stop()
  })

  it('+1500 W from 23:00 to 06:00 → alert, critical after 15 min', () => {
    const h = alerting()
    let kwh = 10
    const start = Date.parse('2026-11-16T22:30:00+08:00')
    const on = Date.parse('2026-11-16T23:00:00+08:00')
    const off = Date.parse('2026-11-17T06:00:00+08:00')
    h.feed(
      'E-R101',
      series(start, 10_000, 8 * 360, (t) => {
        const p = 25 + (t >= on && t < off ? 1500 : 0)
        kwh += (p * 10) / 3.6e6
        return { energy_kwh: Math.round(kwh * 1e6) / 1e6, power_w: p, pf: 0.99 }
      }),
    )
    const [a] = h.list('electricity.high_power_appliance')
    expect(a).toMatchObject({ severity: 'critical', status: 'resolved' })
    const history = h.store.alerts.events(a!.id).map((e) => [e.transition, e.at])
    expect(history[0]).toEqual(['opened', on + 60_000])
    expect(history[1]![0]).toBe('escalated')
    expect(history[1]![1]).toBeGreaterThan(on + 15 * MIN)
    expect(history[1]![1]).toBeLessThanOrEqual(on + 16 * MIN)
    h.stop()
  })
})

describe('golden case 8: heat.unoccupied_heating', () => {
  const saturday = (outdoorC: number) => {
    const h = alerting()
    let kwh = 1000
    for (let t = SAT + 8 * HOUR; t < SAT + 12 * HOUR; t += 5 * MIN) {
      h.feed('T-OUT', [{ ts: t, temp_c: outdoorC }])
      const heating = t < SAT + 11 * HOUR
      kwh += heating ? 80 / 12 : 0
      h.feed('H1', [
        {
          ts: t,
          energy_kwh: Math.round(kwh * 100) / 100,
          power_kw: heating ? 80 : 0,
          supply_c: heating ? 60 : 30,
          return_c: heating ? 45 : 29,
          flow_m3h: heating ? 4.6 : 0,
        },
      ])
    }
    return h
  }

  it('Saturday, outdoor 10 °C, heat flowing 3 h → alert', () => {
    const h = saturday(10)
    const [a] = h.list('heat.unoccupied_heating')
    expect(a).toBeDefined()
    expect(a!.openedAt).toBe(SAT + 10 * HOUR)
    expect(a!.evidence.outdoorC).toBe(10)
    h.stop()
  })

  it('outdoor 2 °C (frost protection) → nothing', () => {
    const h = saturday(2)
    expect(h.list('heat.unoccupied_heating')).toEqual([])
    h.stop()
  })
})

describe('golden case 9: heat.low_delta_t', () => {
  it('heating season, supply 70 °C / return 68 °C with flow for 6 h → alert', () => {
    const h = alerting()
    let kwh = 100
    h.feed(
      'H1',
      series(MON + 8 * HOUR, 5 * MIN, 7 * 12 + 1, () => ({
        energy_kwh: Math.round((kwh += 4) * 100) / 100,
        power_kw: 48,
        supply_c: 70,
        return_c: 68,
        flow_m3h: 20,
      })),
    )
    const [a] = h.list('heat.low_delta_t')
    expect(a).toMatchObject({ status: 'open', severity: 'warning' })
    expect(a!.openedAt).toBe(MON + 14 * HOUR)
    expect(a!.evidence.deltaK).toBe(2)
    h.stop()
  })
})
