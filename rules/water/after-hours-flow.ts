/**
 * water.after_hours_flow — the water never stops for `minutes` on end while the building is
 * unoccupied. Source: FloLogic's home/away timers (30 min at home, 30 s away).
 */
import Type, { type Static } from 'typebox'
import { costEvidence, defineRule, flowLpm, MINUTE, round, say } from '../types.js'

export const params = Type.Object({
  minutes: Type.Number({ exclusiveMinimum: 0, default: 30 }),
  clearAfterMinutes: Type.Number({ minimum: 0, default: 10 }),
})
type P = Static<typeof params>

interface S {
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
    const flow = flowLpm(r)
    const prev = s.prevTs
    s.prevTs = r.ts
    if (flow === undefined) return undefined
    if (!r.occupancy.occupied && flow > 0) {
      // The flow seen at this reading ran since the previous one.
      s.since ??= prev !== undefined && r.ts - prev <= 2 * r.meter.intervalSeconds * 1000 ? prev : r.ts
      s.minFlow = Math.min(s.minFlow ?? flow, flow)
      delete s.quietSince
      const minutes = (r.ts - s.since) / MINUTE
      if (minutes < p.minutes) return undefined
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
