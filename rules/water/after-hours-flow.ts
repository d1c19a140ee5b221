/**
 * water.after_hours_flow — the water never stops for `minutes` on end while the building is
 * unoccupied, faster than the meter normally runs at that hour when empty.
 * Source: FloLogic's home/away timers (30 min at home, 30 s away).
 *
 * Normal is the meter's own (rules/normal.ts): the highest hourly mean flow it reaches at that hour
 * in that occupancy state, learned once it comes back on another day — the kitchen washing up
 * after the building empties, the grounds watered at dawn, cleaners' evening rounds. A run that
 * never drops below `marginOverNormal` × that is not normal; a drip, a tap left on or a running
 * toilet starts from a normal of nothing at night. A run that has lasted more than three hours is
 * never learned: normal use ends.
 *
 * "Never stops" needs readings close together: a reading's flow from a meter that reports every
 * quarter of an hour says little about the minutes between (two toilet blocks' timed urinal
 * cisterns keep every quarter-hour above zero). A run is judged only while readings come at most
 * `maxGapMinutes` apart (a meter reporting every 5 min, with its jitter, is judged); slower meters are left to water.continuous_flow and water.night_flow.
 */
import Type, { type Static } from 'typebox'
import { type HourlyFlow, learnHourlyFlow, usualFlow } from '../normal.js'
import { costEvidence, defineRule, flowLpm, MINUTE, round, say } from '../types.js'

export const params = Type.Object({
  minutes: Type.Number({ exclusiveMinimum: 0, default: 30 }),
  clearAfterMinutes: Type.Number({ minimum: 0, default: 10 }),
  maxGapMinutes: Type.Number({
    exclusiveMinimum: 0,
    default: 6,
    description: 'readings further apart than this break a run: the flow may have stopped between them',
  }),
  marginOverNormal: Type.Number({
    minimum: 1,
    default: 1.5,
    description: "the run's lowest flow must exceed this many times the meter's normal for the hour",
  }),
})
type P = Static<typeof params>

interface S extends HourlyFlow {
  since?: number
  minFlow?: number
  quietSince?: number
  prevTs?: number
}

export default defineRule<P, S>({
  id: 'water.after_hours_flow',
  kinds: ['water'],
  params,
  leak: true,
  init: () => ({}),
  evaluate(s, r, p) {
    learnHourlyFlow(s, r.ts, r.used, r.usedFrom, r.local, r.occupiedAt, 0, s.since)
    const flow = flowLpm(r)
    const prev = s.prevTs
    s.prevTs = r.ts
    if (flow === undefined) return undefined
    if (!r.occupancy.occupied && flow > 0) {
      // The flow seen at this reading ran since the previous one.
      const gap = prev === undefined ? Number.POSITIVE_INFINITY : r.ts - prev
      if (gap > p.maxGapMinutes * MINUTE) {
        s.since = r.ts
        delete s.minFlow
      }
      s.since ??= prev !== undefined && gap <= 2 * r.meter.intervalSeconds * 1000 ? prev : r.ts
      s.minFlow = Math.min(s.minFlow ?? flow, flow)
      delete s.quietSince
      const minutes = (r.ts - s.since) / MINUTE
      if (minutes < p.minutes) return undefined
      const usual = usualFlow(s, r.ts, r.local, r.occupiedAt)
      if (s.minFlow <= usual * p.marginOverNormal) return undefined
      return {
        active: true,
        severity: 'warning',
        message: say('rule.water.after_hours_flow', {
          minutes: Math.round(minutes),
          meter: r.meterName,
          place: r.place,
          flow: round(s.minFlow, 2),
        }),
        evidence: {
          minutes: Math.round(minutes),
          flowLpm: round(flow, 3),
          minFlowLpm: round(s.minFlow, 3),
          usualFlowLpm: round(usual, 3),
          ...costEvidence(r.meter, s.minFlow * 60 * 24, 'L'),
        },
      }
    }
    delete s.since
    delete s.minFlow
    s.quietSince ??= r.ts
    return r.ts - s.quietSince >= p.clearAfterMinutes * MINUTE ? { active: false } : undefined
  },
})
