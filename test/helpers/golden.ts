/** The readings of RULES.md's golden cases 1–9, for the in-process and the MQTT suites alike. */
import { HOUR, MIN, type Point, series } from './alerting.js'

export const MON = Date.parse('2026-11-16T00:00:00+08:00')
export const SAT = Date.parse('2026-11-21T00:00:00+08:00')

export type Feeds = [meter: string, points: Point[]][]

/** 1: hourly water readings, 27 hours each ≥ 2 L (or one hour at 0 L). */
export function hourlyWater(zeroHour?: number): Feeds {
  let v = 10
  return [
    [
      'W-HOURLY',
      series(MON, HOUR, 27, (_t, i) => ({
        volume_m3: Math.round((v += i === zeroHour ? 0 : 0.002) * 1e6) / 1e6,
      })),
    ],
  ]
}

/** 2: a 0.5 L/h drip from `leakStart` on top of school-day taps, minute readings with flow. */
export function drip(leakStart = MON + 5 * HOUR): Feeds {
  let register = 100
  return [
    [
      'W1',
      series(MON, MIN, 36 * 60, (t) => {
        const hour = new Date(t + 8 * HOUR).getUTCHours()
        const use = hour >= 7 && hour < 18 && (t / MIN) % 7 < 2 ? 8 : 0
        const dripLpm = t >= leakStart ? 0.5 / 60 : 0
        register += (use + dripLpm) / 1000
        return {
          volume_m3: Math.round(register * 1e6) / 1e6,
          flow_lpm: Math.round((use + dripLpm) * 1e4) / 1e4,
        }
      }),
    ],
  ]
}

/** 3: 25 % of W1's nominal flow (Q3 = 4 m³/h) for `minutes`, at 02:05. */
export function burst(minutes: number): Feeds {
  let register = 50
  return [
    [
      'W1',
      series(MON + 2 * HOUR, MIN, 60, (_t, i) => {
        const flow = i >= 5 && i < 5 + minutes ? (0.25 * 4000) / 60 : 0
        register += flow / 1000
        return { volume_m3: Math.round(register * 1e5) / 1e5, flow_lpm: Math.round(flow * 100) / 100 }
      }),
    ],
  ]
}

/** 4: three refills at 02:03, 02:08, 02:13 of the given litres. */
export function refills(litres = [6.1, 5.9, 6.0]): Feeds {
  let register = 20
  const at = [3, 8, 13]
  return [
    [
      'W1',
      series(MON + 2 * HOUR, MIN, 30, (_t, i) => ({
        volume_m3: Math.round((register += (litres[at.indexOf(i)] ?? 0) / 1000) * 1e6) / 1e6,
      })),
    ],
  ]
}

/** 5: ten days of 5-minute readings; quiet nights, then `extraLph(night)` between 01:00 and 05:00. */
export function nights(extraLph: (night: number) => number): Feeds {
  let register = 500
  const from = MON - 7 * 24 * HOUR
  return [
    [
      'W1',
      series(from, 5 * MIN, 10 * 24 * 12, (t) => {
        const night = Math.floor((t - from) / (24 * HOUR))
        const hour = new Date(t + 8 * HOUR).getUTCHours()
        const atNight = hour >= 1 && hour < 5
        register += (((atNight ? 0 : 3) + (atNight ? extraLph(night) : 0)) * 5) / 60 / 1000
        return { volume_m3: Math.round(register * 1e6) / 1e6 }
      }),
    ],
  ]
}
export const NIGHTS_FROM = MON - 7 * 24 * HOUR

/** 6: room r101 at 120 W with `stepW` more for `seconds` from 20:05, sampled every `stepS` s. */
export function dormStep(stepW: number, seconds: number, stepS = 10, totalMs = 30 * MIN): Feeds {
  let kwh = 10
  const start = Date.parse('2026-11-16T20:00:00+08:00')
  const from = start + 5 * MIN
  return [
    [
      'E-R101',
      series(start, stepS * 1000, Math.floor(totalMs / (stepS * 1000)), (t) => {
        const on = t >= from && t < from + seconds * 1000
        const p = 120 + (on ? stepW : 0)
        kwh += (p * stepS) / 3.6e6
        return { energy_kwh: Math.round(kwh * 1e6) / 1e6, power_w: p, pf: on ? 0.99 : 0.9 }
      }),
    ],
  ]
}

export const HEATER_ON = Date.parse('2026-11-16T23:00:00+08:00')
export const HEATER_OFF = Date.parse('2026-11-17T06:00:00+08:00')

/** 7: +1500 W from 23:00 to 06:00. */
export function heater(): Feeds {
  let kwh = 10
  return [
    [
      'E-R101',
      series(Date.parse('2026-11-16T22:30:00+08:00'), 10_000, 8 * 360, (t) => {
        const p = 25 + (t >= HEATER_ON && t < HEATER_OFF ? 1500 : 0)
        kwh += (p * 10) / 3.6e6
        return { energy_kwh: Math.round(kwh * 1e6) / 1e6, power_w: p, pf: 0.99 }
      }),
    ],
  ]
}

/** 8: Saturday 08:00–12:00 with the outdoor sensor at `outdoorC`; heat flows 08:00–11:00. */
export function saturdayHeating(outdoorC: number): Feeds {
  const out: Point[] = []
  const heat: Point[] = []
  let kwh = 1000
  for (let t = SAT + 8 * HOUR; t < SAT + 12 * HOUR; t += 5 * MIN) {
    out.push({ ts: t, temp_c: outdoorC })
    const on = t < SAT + 11 * HOUR
    kwh += on ? 80 / 12 : 0
    heat.push({
      ts: t,
      energy_kwh: Math.round(kwh * 100) / 100,
      power_kw: on ? 80 : 0,
      supply_c: on ? 60 : 30,
      return_c: on ? 45 : 29,
      flow_m3h: on ? 4.6 : 0,
    })
  }
  // Interleaved as a gateway would send them: the outdoor reading first each time.
  return [
    ['T-OUT', out],
    ['H1', heat],
  ]
}

/** 9: supply 70 °C, return 68 °C with flow, Monday 08:00 for 7 h. */
export function lowDeltaT(): Feeds {
  let kwh = 100
  return [
    [
      'H1',
      series(MON + 8 * HOUR, 5 * MIN, 7 * 12 + 1, () => ({
        energy_kwh: Math.round((kwh += 4) * 100) / 100,
        power_kw: 48,
        supply_c: 70,
        return_c: 68,
        flow_m3h: 20,
      })),
    ],
  ]
}

/** Merges feeds of several meters into one time-ordered list, as a gateway interleaves them. */
export function interleave(feeds: Feeds): { meter: string; point: Point }[] {
  return feeds
    .flatMap(([meter, points]) => points.map((point, i) => ({ meter, point, i })))
    .sort((a, b) => a.point.ts - b.point.ts || a.i - b.i)
    .map(({ meter, point }) => ({ meter, point }))
}
