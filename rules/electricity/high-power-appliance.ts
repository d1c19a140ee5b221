/**
 * electricity.high_power_appliance — in rooms whose policy restricts appliances (dorm rooms): an
 * upward step in active power between steady states, held for a minimum time and judged on the
 * median of its samples so a spike never trips; critical when held longer than a kettle would be
 * (a heater). Also: total power above the room's limit. A power factor ≥ 0.95 marks the load as
 * resistive (kettle, heater, immersion heater).
 *
 * Source: Hart's steady-state edge detection as in NILMTK (`find_steady_states`); Chinese
 * dormitory load limiters, which cut resistive loads of ≥ 500 W and totals of 500–1500 W.
 */
import Type, { type Static } from 'typebox'
import { costEvidence, defineRule, median, round, say } from '../types.js'

export const params = Type.Object({
  stepWatts: Type.Number({ exclusiveMinimum: 0, default: 800 }),
  holdSeconds: Type.Number({ minimum: 0, default: 60 }),
  criticalAfterMinutes: Type.Number({ minimum: 0, default: 15 }),
  roomLimitWatts: Type.Optional(
    Type.Number({ exclusiveMinimum: 0, description: "default: the space's roomLimitW, else 1500" }),
  ),
  resistivePf: Type.Number({ minimum: 0, maximum: 1, default: 0.95 }),
  clearAfterSeconds: Type.Number({ minimum: 0, default: 60 }),
  baselineSamples: Type.Integer({ minimum: 1, maximum: 60, default: 6 }),
})
type P = Static<typeof params>

interface S {
  /** Recent steady power before any step, W. */
  base: number[]
  /** The step under way: when it began, its recent samples, the highest power factor seen, energy so far. */
  step?: { since: number; samples: number[]; pf: number; kwh: number; baseline: number }
  belowSince?: number
}

export default defineRule<P, S>({
  id: 'electricity.high_power_appliance',
  kinds: ['electricity'],
  appliesTo: (m) => m.space?.config.appliancePolicy === 'restricted',
  params,
  init: () => ({ base: [] }),
  evaluate(s, r, p) {
    const power =
      r.values.power_w ??
      (r.used !== undefined && r.usedFrom !== undefined && r.ts > r.usedFrom
        ? (r.used * 3.6e9) / (r.ts - r.usedFrom)
        : undefined)
    if (power === undefined) return undefined
    const limit = p.roomLimitWatts ?? r.meter.space?.config.roomLimitW ?? 1500
    const baseline = s.step?.baseline ?? (s.base.length ? median(s.base) : 0)
    const high = power >= baseline + p.stepWatts || power > limit
    if (high) {
      delete s.belowSince
      if (!s.step) {
        // A power sample is the load at its instant; a power worked out from the register covers the interval.
        const since = r.values.power_w !== undefined ? r.ts : (r.usedFrom ?? r.ts)
        s.step = { since, samples: [], pf: 0, kwh: 0, baseline }
      }
      const step = s.step
      step.samples.push(power)
      if (step.samples.length > 30) step.samples.shift()
      step.pf = Math.max(step.pf, r.values.pf ?? 0)
      if (r.used !== undefined) step.kwh += r.used
      const heldS = (r.ts - step.since) / 1000
      const m = median(step.samples)
      const stepW = m - step.baseline
      if (heldS < p.holdSeconds || (stepW < p.stepWatts && m <= limit)) return undefined
      const heldMin = heldS / 60
      const resistive = step.pf >= p.resistivePf
      const critical = heldMin > p.criticalAfterMinutes
      return {
        active: true,
        severity: critical ? 'critical' : 'warning',
        message:
          stepW >= p.stepWatts
            ? say('rule.electricity.appliance', {
                resistive,
                watts: Math.round(stepW),
                place: r.place,
                minutes: round(heldMin, 1),
                heater: critical,
              })
            : say('rule.electricity.room_limit', {
                place: r.place,
                watts: Math.round(m),
                limit,
                minutes: round(heldMin, 1),
              }),
        evidence: {
          stepWatts: Math.round(stepW),
          totalWatts: Math.round(m),
          baselineWatts: Math.round(step.baseline),
          roomLimitWatts: limit,
          powerFactor: round(step.pf, 3),
          resistive,
          minutesOn: round(heldMin, 1),
          kwhSoFar: round(step.kwh, 3),
          ...costEvidence(r.meter, (stepW * 24) / 1000, 'kWh'),
        },
      }
    }
    if (s.step) {
      s.belowSince ??= r.ts
      if (r.ts - s.belowSince < p.clearAfterSeconds * 1000) return undefined
      delete s.step
      delete s.belowSince
      s.base = [power]
      return { active: false }
    }
    s.base.push(power)
    if (s.base.length > p.baselineSamples) s.base.shift()
    return undefined
  },
})
