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
import { type Envelope, envelopeNear, learnEnvelope, newEnvelope, slotOf } from '../normal.js'
import {
  costEvidence,
  defineRule,
  flowLpm,
  HOUR,
  MINUTE,
  type RuleInput,
  round,
  say,
  spread,
} from '../types.js'

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

interface S {
  since?: number
  peak?: number
  belowSince?: number
  prevTs?: number
  /** The hour being measured: its local index and litres so far. */
  hour?: number
  litres?: number
  /** The highest hourly mean flow, L/min, the meter normally reaches per hour of the day and occupancy. */
  normal?: Envelope
}

/** Highs below the rated threshold ÷ the margin never matter: they are learned at once (the floor). */
const LEARN = { decay: 0.97, tolerance: 1.2, recurWithinDays: 14, similar: 0.5 }
/**
 * High flow that has lasted longer than this is not learned: a shower evening, a kitchen fill or a
 * pool top-up ends; a burst goes on until it is repaired.
 */
const LONGEST_NORMAL_MS = 3 * HOUR

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
    const offset = r.local.offsetMinutes * MINUTE
    const rated = burstThresholdLpm(r.meter, p)
    learnHours(s, r, offset, rated / p.marginOverNormal)
    const flow = flowLpm(r)
    const prev = s.prevTs
    s.prevTs = r.ts
    if (flow === undefined) return undefined
    const normal = s.normal
      ? envelopeNear(
          s.normal,
          slotOf(Math.floor(r.local.minute / 60), r.occupancy.occupied),
          r.local.day,
          LEARN.recurWithinDays,
        )
      : 0
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

/**
 * Adds the reading's litres to the hour being measured; when an hour completes, its mean flow is
 * learned as that hour's high — unless the flow has been over the burst threshold for longer than
 * any normal use lasts. A new high becomes normal only when it comes back on another day.
 */
function learnHours(s: S, r: RuleInput, offset: number, floor: number): void {
  const hour = Math.floor((r.ts + offset) / HOUR)
  let next = 0
  if (r.used !== undefined && r.usedFrom !== undefined) {
    spread(r.usedFrom, r.ts, r.used, HOUR, offset, (h, litres) => {
      if (h === s.hour) s.litres = (s.litres ?? 0) + litres
      else if (h === hour) next += litres
    })
  }
  if (s.hour !== undefined && hour <= s.hour) return
  const lasting = s.since !== undefined && r.ts - s.since > LONGEST_NORMAL_MS
  if (s.hour !== undefined && s.litres !== undefined && !lasting && hour === s.hour + 1) {
    const start = s.hour * HOUR - offset
    const slot = slotOf(((s.hour % 24) + 24) % 24, r.occupiedAt(start + HOUR / 2))
    s.normal ??= newEnvelope()
    learnEnvelope(s.normal, slot, r.local.day, round(s.litres / 60, 3), { ...LEARN, floor })
  }
  s.hour = hour
  s.litres = next
}
