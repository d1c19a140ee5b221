/**
 * water.burst — flow at or above a burst threshold without a break for `minutes` → critical.
 * Threshold: `fractionOfNominal` of the meter's permanent flow Q3 (or `fallbackLpm` when Q3 is not
 * registered), raised to `marginOverNormal` × what this meter normally draws at this hour in this
 * occupancy state: boarders' shower evenings, kitchen fills and other use that comes back at the
 * same time on other days are that meter's normal (rules/normal.ts), a burst is not.
 * Source: Kamstrup "BURST" info code (5/10/20 % of Q3 for 30 min).
 */
import Type, { type Static } from 'typebox'
import type { Meter } from '../../core/registry.js'
import { type HourlyFlow, learnHourlyFlow, usualFlow } from '../normal.js'
import { costEvidence, defineRule, flowLpm, MINUTE, round, say } from '../types.js'

export const params = Type.Object({
  fractionOfNominal: Type.Number({ exclusiveMinimum: 0, default: 0.2 }),
  fallbackLpm: Type.Number({ exclusiveMinimum: 0, default: 30 }),
  minutes: Type.Number({ exclusiveMinimum: 0, default: 30 }),
  clearAfterMinutes: Type.Number({ minimum: 0, default: 10 }),
  marginOverNormal: Type.Number({
    minimum: 1,
    default: 1.5,
    description: "a burst draws this many times the meter's normal hourly high for the hour",
  }),
})
type P = Static<typeof params>

interface S extends HourlyFlow {
  since?: number
  peak?: number
  belowSince?: number
  prevTs?: number
}

export function burstThresholdLpm(meter: Meter, p: P): number {
  const q3 = meter.config.nominalFlowM3h
  return q3 !== undefined ? (p.fractionOfNominal * q3 * 1000) / 60 : p.fallbackLpm
}

export default defineRule<P, S>({
  id: 'water.burst',
  kinds: ['water'],
  params,
  leak: true,
  init: () => ({}),
  evaluate(s, r, p) {
    const rated = burstThresholdLpm(r.meter, p)
    // Highs below the rated threshold ÷ the margin never matter: they are learned at once.
    learnHourlyFlow(s, r.ts, r.used, r.usedFrom, r.local, r.occupiedAt, rated / p.marginOverNormal, s.since)
    const flow = flowLpm(r)
    const prev = s.prevTs
    s.prevTs = r.ts
    if (flow === undefined) return undefined
    // The meter's normal only matters above the rated threshold (and is only looked up there).
    const normal = flow >= rated ? usualFlow(s, r.ts, r.local, r.occupiedAt) : 0
    const threshold = Math.max(rated, normal * p.marginOverNormal)
    if (flow >= threshold) {
      s.since ??= prev !== undefined && r.ts - prev <= 2 * r.meter.intervalSeconds * 1000 ? prev : r.ts
      s.peak = Math.max(s.peak ?? 0, flow)
      delete s.belowSince
      const minutes = (r.ts - s.since) / MINUTE
      if (minutes < p.minutes) return undefined
      return {
        active: true,
        severity: 'critical',
        message: say('rule.water.burst', {
          meter: r.meterName,
          place: r.place,
          flow: round(flow, 1),
          minutes: Math.round(minutes),
          threshold: round(threshold, 1),
        }),
        evidence: {
          flowLpm: round(flow, 2),
          peakFlowLpm: round(s.peak, 2),
          thresholdLpm: round(threshold, 2),
          ratedThresholdLpm: round(rated, 2),
          normalHighLpm: round(normal, 2),
          minutes: Math.round(minutes),
          ...costEvidence(r.meter, flow * 60 * 24, 'L'),
        },
      }
    }
    delete s.since
    delete s.peak
    s.belowSince ??= r.ts
    return r.ts - s.belowSince >= p.clearAfterMinutes * MINUTE ? { active: false } : undefined
  },
})
