/**
 * Every fault type leaves the signature the rules will look for — checked on the simulator's own
 * output — and malformed messages earn exactly the rejection they are meant to, from the real decoder.
 */
import { describe, expect, it } from 'vitest'
import { decodeMessage } from '../../ingest/decode.js'
import { applyReading, newRegisterState, registerParams } from '../../ingest/registers.js'
import { calendarsOf, encode, parseScenario } from '../../simulator/index.js'
import { DAY, demoRegistry, HOUR, mean, simulate, used } from '../helpers/simulated.js'

// Monday 23 November 2026, 00:00 in Shanghai.
const START = '2026-11-23T00:00:00+08:00'
const t0 = Date.parse(START)
const at = (h: number, m = 0) => t0 + h * HOUR + m * 60_000

/** The same days without a fault: simulated once per length and schools, when first compared with. */
const plain = new Map<string, ReturnType<typeof simulate>>()

function run(faults: string, days = 2, schools?: string[]) {
  const scenario = parseScenario(`faults:\n${faults}`)
  const withFault = simulate({ start: START, days, scenario, ...(schools ? { schools } : {}) })
  const key = `${days} ${schools?.join(',') ?? 'all'}`
  const without = () => {
    let w = plain.get(key)
    if (!w) {
      w = simulate({ start: START, days, ...(schools ? { schools } : {}) })
      plain.set(key, w)
    }
    return w
  }
  return {
    f: (id: string) => withFault.byMeter.get(id)!,
    n: (id: string) => without().byMeter.get(id)!,
  }
}

describe('water faults', () => {
  it('a drip leak adds its rate to every hour, night included, and shows on the parent too', () => {
    const { f, n } = run(
      '  - { type: drip_leak, meter: SP-W-CANTEEN, start: "+1h", duration: 30h, rateLph: 0.5 }',
    )
    const extra = (id: string, from: number, to: number) =>
      (used(f(id), 'volume_m3', from, to) - used(n(id), 'volume_m3', from, to)) * 1000
    for (const h of [2, 3, 4, 12, 26, 27]) {
      expect(extra('SP-W-CANTEEN', at(h), at(h + 1))).toBeCloseTo(0.5, 1)
      expect(extra('SP-W-MAIN', at(h), at(h + 1))).toBeCloseTo(0.5, 1)
    }
    expect(mean(f('SP-W-CANTEEN'), 'flow_lpm', at(3), at(4))).toBeCloseTo(0.5 / 60, 4)
  })

  it('a burst holds 25 % of the nominal flow for its duration', () => {
    const { f } = run(
      '  - { type: burst, meter: EV-W-MAIN, start: "+2h", duration: 30m, fractionOfNominal: 0.25 }',
      1,
      ['east-vocational'],
    )
    const s = f('EV-W-MAIN')
    const q = (0.25 * 25 * 1000) / 60 // Q3 = 25 m³/h
    const during = s.ts
      .map((t, i) => [t, s.values[i]!.flow_lpm!] as const)
      .filter(([t]) => t >= at(2) && t < at(2, 30))
    expect(during.length).toBe(30)
    for (const [, flow] of during) expect(flow).toBeGreaterThanOrEqual(q)
    expect(mean(s, 'flow_lpm', at(2, 31), at(3))).toBeLessThan(q / 10)
  })

  it('a running toilet refills a fraction of a flush at uneven intervals', () => {
    const { f, n } = run(
      '  - { type: running_toilet, meter: SP-W-CANTEEN, start: "+1h", duration: 2h, refillLitres: 1.5, periodMinutes: 6, irregularity: 0.3 }',
      1,
    )
    // The canteen draws nothing at night: every rise of its register is a refill.
    expect(used(n('SP-W-CANTEEN'), 'volume_m3', at(1), at(3))).toBe(0)
    const s = f('SP-W-CANTEEN')
    const refills: [start: number, litres: number][] = []
    let prev: number | undefined
    let rising = false
    for (let i = 0; i < s.ts.length; i++) {
      const v = s.values[i]!.volume_m3!
      if (s.ts[i]! >= at(1) && s.ts[i]! <= at(3, 2) && prev !== undefined) {
        const litres = (v - prev) * 1000
        if (litres > 0.05) {
          if (rising) refills[refills.length - 1]![1] += litres
          else refills.push([s.ts[i]!, litres])
        }
        rising = litres > 0.05
      }
      prev = v
    }
    expect(refills.length).toBeGreaterThanOrEqual(15)
    expect(refills.length).toBeLessThanOrEqual(26)
    for (const [, litres] of refills) {
      expect(litres).toBeGreaterThan(1.2)
      expect(litres).toBeLessThan(1.8)
    }
    const gaps = refills.slice(1).map(([t], i) => (t - refills[i]![0]) / 60_000)
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length)
    expect(mean).toBeGreaterThan(5)
    expect(mean).toBeLessThan(7)
    expect(sd / mean).toBeGreaterThan(0.1)
  })
})

describe('electricity faults', () => {
  it('a kettle is a +2 kW resistive step for its minutes, seen on the room, the dorm and the incomer', () => {
    const { f, n } = run(
      '  - { type: kettle, meter: RM-E-A101, start: "+20h", duration: 3m, watts: 2000 }',
      1,
      ['riverside-middle'],
    )
    const room = f('RM-E-A101')
    const during = room.values.filter((_, i) => room.ts[i]! >= at(20) && room.ts[i]! < at(20, 3))
    expect(during.length).toBe(18)
    for (const v of during) {
      expect(v.power_w!).toBeGreaterThan(2000)
      expect(v.pf!).toBeGreaterThan(0.99)
    }
    expect(mean(room, 'power_w', at(20, 4), at(20, 10))).toBeLessThan(300)
    const step =
      mean(f('RM-E-MAIN'), 'power_w', at(20), at(20, 3)) - mean(n('RM-E-MAIN'), 'power_w', at(20), at(20, 3))
    expect(step).toBeGreaterThan(1900)
    expect(step).toBeLessThan(2100)
  })

  it('a heater holds 1.5 kW through the night', () => {
    const { f } = run('  - { type: heater, meter: RM-E-A103, start: "+23h", duration: 7h, watts: 1500 }', 2, [
      'riverside-middle',
    ])
    expect(mean(f('RM-E-A103'), 'power_w', at(23), at(30))).toBeGreaterThan(1500)
  })

  it('a heater on its thermostat cycles all night: on spells of about duty × cycle', () => {
    const { f } = run(
      '  - { type: heater, meter: RM-E-A103, start: "+23h", duration: 7h, watts: 1200, dutyCycle: 0.45, cycleMinutes: 25 }',
      2,
      ['riverside-middle'],
    )
    const room = f('RM-E-A103')
    const during = room.values.filter((_, i) => room.ts[i]! >= at(23) && room.ts[i]! < at(30))
    const on = during.map((v) => v.power_w! > 1000)
    const share = on.filter(Boolean).length / on.length
    expect(share).toBeGreaterThan(0.35)
    expect(share).toBeLessThan(0.55)
    const starts = on.filter((x, i) => x && i > 0 && !on[i - 1]).length
    // 7 h of 25-min cycles.
    expect(starts).toBeGreaterThanOrEqual(12)
    expect(starts).toBeLessThanOrEqual(22)
    // Only the readings whose 10 s hold a switch sit in between.
    const between = during.filter((v) => v.power_w! >= 300 && v.power_w! <= 1200).length
    expect(between).toBeLessThanOrEqual(2 * starts + 2)
  })

  it('a hair dryer switches between full and half heat', () => {
    const { f } = run(
      '  - { type: hair_dryer, meter: RM-E-A102, start: "+21h", duration: 8m, watts: 1600 }',
      1,
      ['riverside-middle'],
    )
    const room = f('RM-E-A102')
    const during = room.values.filter((_, i) => room.ts[i]! >= at(21) && room.ts[i]! < at(21, 8))
    const full = during.filter((v) => v.power_w! > 1600).length
    const half = during.filter((v) => v.power_w! > 800 && v.power_w! < 1200).length
    expect(full).toBeGreaterThan(during.length * 0.3)
    expect(half).toBeGreaterThan(0)
    for (const v of during.filter((x) => x.power_w! > 800)) expect(v.pf!).toBeGreaterThan(0.98)
  })

  it('lights left on add their load after hours', () => {
    const { f, n } = run(
      '  - { type: after_hours_load, meter: SP-E-MAIN, start: "+18h", duration: 12h, watts: 8000 }',
      2,
      ['sunshine-primary'],
    )
    const extra =
      used(f('SP-E-MAIN'), 'energy_kwh', at(18), at(30)) - used(n('SP-E-MAIN'), 'energy_kwh', at(18), at(30))
    expect(extra).toBeCloseTo(96, -1)
  })
})

describe('heating faults', () => {
  it('weekend heating runs the circuit on a Saturday and warms the rooms', () => {
    const { f, n } = run('  - { type: weekend_heating, meter: SP-H-MAIN, start: "+128h", duration: 8h }', 7, [
      'sunshine-primary',
    ])
    expect(mean(f('SP-H-MAIN'), 'power_kw', at(129), at(136))).toBeGreaterThan(50)
    expect(mean(f('SP-T-C101'), 'temp_c', at(133), at(136))).toBeGreaterThan(
      mean(n('SP-T-C101'), 'temp_c', at(133), at(136)) + 3,
    )
  })

  it('a low delta-T leaves supply and return 2 K apart with flow on', () => {
    const { f } = run(
      '  - { type: low_delta_t, meter: RM-H-TEACH, start: "+8h", duration: 8h, deltaK: 2 }',
      1,
      ['riverside-middle'],
    )
    const c = f('RM-H-TEACH')
    expect(mean(c, 'supply_c', at(9), at(16)) - mean(c, 'return_c', at(9), at(16))).toBeCloseTo(2, 1)
    expect(mean(c, 'flow_m3h', at(9), at(16))).toBeGreaterThan(1)
  })

  it('no heat: supply falls below 30 °C within the hour and rooms cool', () => {
    const { f, n } = run('  - { type: no_heat, meter: SP-H-MAIN, start: "+8h", duration: 6h }', 1, [
      'sunshine-primary',
    ])
    expect(mean(f('SP-H-MAIN'), 'supply_c', at(9), at(14))).toBeLessThan(30)
    expect(mean(f('SP-T-C101'), 'temp_c', at(13), at(14))).toBeLessThan(
      mean(n('SP-T-C101'), 'temp_c', at(13), at(14)) - 1,
    )
  })

  it('frost takes a room below 5 °C; overheating keeps one above 24 °C', () => {
    const frost = run('  - { type: frost, meter: SP-T-C101, start: "+1h", duration: 8h }', 1, [
      'sunshine-primary',
    ])
    expect(mean(frost.f('SP-T-C101'), 'temp_c', at(6), at(9))).toBeLessThan(5)
    const hot = run(
      '  - { type: overheating, meter: SP-T-C201, start: "+9h", duration: 5h, targetC: 26 }',
      1,
      ['sunshine-primary'],
    )
    expect(mean(hot.f('SP-T-C201'), 'temp_c', at(11), at(14))).toBeGreaterThan(24)
  })
})

describe('meter and transport faults', () => {
  it('an offline meter sends nothing in its window', () => {
    const { f } = run('  - { type: meter_offline, meter: SP-T-OUT, start: "+2h", duration: 3h }', 1, [
      'sunshine-primary',
    ])
    const ts = f('SP-T-OUT').ts
    expect(ts.filter((t) => t >= at(2) && t < at(5))).toEqual([])
    expect(ts.filter((t) => t >= at(5) && t < at(6)).length).toBe(12)
  })

  it('a register rollover wraps the register, and counting it as one keeps consumption continuous', () => {
    const { f, n } = run(
      '  - { type: register_rollover, meter: SP-W-MAIN, start: "+8h", beforeRollover: 0.05 }',
      1,
      ['sunshine-primary'],
    )
    const s = f('SP-W-MAIN')
    const meter = demoRegistry.meters.get('SP-W-MAIN')!
    const state = newRegisterState()
    const params = registerParams(meter, 600_000)
    let total = 0
    let rollovers = 0
    for (let i = 0; i < s.ts.length; i++) {
      const o = applyReading(state, s.ts[i]!, s.values[i]!.volume_m3!, params)
      if (o.type === 'counted') {
        total += o.delta
        if (o.anomaly?.type === 'rollover') rollovers++
      }
    }
    expect(rollovers).toBe(1)
    expect(total).toBeCloseTo(used(n('SP-W-MAIN'), 'volume_m3', t0, t0 + DAY), 1)
  })

  it('a replaced meter restarts its register', () => {
    const { f } = run(
      '  - { type: meter_replacement, meter: EV-E-WORKSHOP, start: "+10h", newRegister: 0 }',
      1,
      ['east-vocational'],
    )
    const s = f('EV-E-WORKSHOP')
    const after = s.values.find((_, i) => s.ts[i]! >= at(10))!
    expect(after.energy_kwh!).toBeLessThan(10)
    expect(s.values[0]!.energy_kwh!).toBeGreaterThan(100)
  })

  it('duplicates send each reading twice; out-of-order swaps neighbours', () => {
    const dup = simulate({
      start: START,
      days: 1,
      schools: ['riverside-middle'],
      scenario: parseScenario(
        'faults:\n  - { type: duplicate_messages, meter: RM-W-MAIN, start: "+1h", duration: 1h }\n  - { type: out_of_order, meter: RM-E-MAIN, start: "+3h", duration: 1h }',
      ),
    })
    const w = dup.byMeter.get('RM-W-MAIN')!.ts.filter((t) => t >= at(1) && t < at(2))
    expect(w.length).toBe(120)
    expect(new Set(w).size).toBe(60)
    const e = dup.byMeter.get('RM-E-MAIN')!.ts.filter((t) => t >= at(3) && t < at(4))
    expect(new Set(e).size).toBe(60)
    // Pairs arrive newest first: 2nd, 1st, 4th, 3rd, …
    for (let i = 0; i + 1 < e.length; i += 2) expect(e[i]!).toBeGreaterThan(e[i + 1]!)
  })

  it('malformed messages each earn the rejection they were made for', () => {
    const sim = simulate({
      start: START,
      days: 1,
      schools: ['sunshine-primary'],
      scenario: parseScenario(
        'faults:\n  - { type: malformed, school: sunshine-primary, start: "+1h", count: 2 }',
      ),
    })
    const messages = encode(sim.outputs, calendarsOf(demoRegistry)).filter((m) => m.expectedRejection)
    expect(messages.length).toBe(18)
    for (const m of messages) {
      const d = decodeMessage(m.topic, Buffer.from(m.payload), at(1, 1), demoRegistry)
      expect(d.readings).toEqual([])
      expect(d.rejections.map((r) => r.reason)).toEqual([m.expectedRejection])
    }
    expect(sim.sim.groundTruth()[0]).toMatchObject({
      fault: 'malformed',
      expectedRule: null,
      expectedRejections: { bad_json: 2, too_large: 2 },
    })
  })
})

describe('scenario files', () => {
  it('name the problem with a fault, key by key', () => {
    expect(() => parseScenario('faults:\n  - { type: drip_leek, meter: X, start: "+1h" }')).toThrow(
      /faults\[0\]\.type: got "drip_leek"; expected one of drip_leak/,
    )
    const bad = () => parseScenario('faults:\n  - { type: kettle, meter: X, start: "tomorrow", wats: 5 }')
    expect(bad).toThrow(/faults\[0\]\.start: got "tomorrow"/)
    expect(bad).toThrow(/faults\[0\]\.wats: got 5; expected no such key/)
  })

  it('are checked against the registry', () => {
    expect(() =>
      simulate({
        start: START,
        days: 0,
        scenario: parseScenario(
          'faults:\n  - { type: kettle, meter: SP-W-MAIN, start: "+1h", duration: 3m }\n  - { type: drip_leak, meter: NOPE, start: "+1h" }',
        ),
      }),
    ).toThrow(
      /faults\[0\]\.meter: got "SP-W-MAIN"; expected a electricity meter for kettle \(it is water\)[\s\S]*faults\[1\]\.meter: got "NOPE"/,
    )
  })

  it('the ground truth names each fault, where, when and the rule expected to catch it', () => {
    const { sim } = simulate({
      start: START,
      days: 0,
      scenario: parseScenario(
        'faults:\n  - { name: Kettle, type: kettle, meter: RM-E-A101, start: "+20h", duration: 3m }',
      ),
    })
    expect(sim.groundTruth()).toEqual([
      {
        fault: 'kettle',
        name: 'Kettle',
        school: 'riverside-middle',
        building: 'dorm-a',
        meter: 'RM-E-A101',
        start: '2026-11-23T20:00:00+08:00',
        end: '2026-11-23T20:03:00+08:00',
        expectedRule: 'electricity.high_power_appliance',
        expectedRules: ['electricity.high_power_appliance'],
        params: { watts: 2000 },
      },
    ])
  })
})
