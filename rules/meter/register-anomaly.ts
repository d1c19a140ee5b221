/**
 * meter.register_anomaly — a register rollover, reset, replacement or implausible jump was seen
 * (ingest/registers.ts decides and counts; this rule tells people). The alert carries the event
 * and how it was counted, and resolves itself after a day without another.
 */
import Type, { type Static } from 'typebox'
import type { RegisterAnomaly } from '../../core/reading.js'
import { defineRule, HOUR, round, type Severity, say, type Verdict } from '../types.js'

export const params = Type.Object({
  clearAfterHours: Type.Number({ minimum: 0, default: 24 }),
})
type P = Static<typeof params>

interface S {
  last?: number
  count: number
}

const SEVERITY: Record<RegisterAnomaly['type'], Severity> = {
  rollover: 'info',
  reset: 'warning',
  replacement: 'warning',
  implausible_jump: 'warning',
}

export function anomalyVerdict(s: S, a: RegisterAnomaly): Verdict {
  s.last = a.ts
  s.count++
  const unit = a.meter.kind === 'water' ? 'L' : 'kWh'
  return {
    active: true,
    severity: SEVERITY[a.type],
    message: say('rule.meter.register_anomaly', {
      meter: a.meter.name ?? a.meter.id,
      event: a.type,
      previous: a.previous,
      current: a.current,
      counted: round(a.counted, 3),
      unit,
    }),
    evidence: {
      event: a.type,
      previous: a.previous,
      current: a.current,
      counted: round(a.counted, 3),
      unit,
      events: s.count,
    },
  }
}

export default defineRule<P, S>({
  id: 'meter.register_anomaly',
  kinds: ['water', 'electricity', 'heat'],
  params,
  init: () => ({ count: 0 }),
  evaluate(s, r, p) {
    if (s.last === undefined || r.ts - s.last < p.clearAfterHours * HOUR) return undefined
    delete s.last
    s.count = 0
    return { active: false }
  },
})
