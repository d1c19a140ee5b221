/**
 * meter.offline — no reading for max(3 × the meter's expected interval, 15 min), by the wall
 * clock → warning; clears on the next reading. The only rule on the wall clock: the engine asks
 * `silence` every minute; readings clear it.
 */
import Type, { type Static } from 'typebox'
import type { Meter } from '../../core/registry.js'
import { resolveParams } from '../params.js'
import { defineRule, MINUTE, round, say, type Verdict } from '../types.js'

export const params = Type.Object({
  intervals: Type.Number({ exclusiveMinimum: 0, default: 3 }),
  minMinutes: Type.Number({ exclusiveMinimum: 0, default: 15 }),
})
type P = Static<typeof params>

export function offlineAfterMs(meter: Meter, p: P): number {
  return Math.max(p.intervals * meter.intervalSeconds * 1000, p.minMinutes * MINUTE)
}

/** The verdict for a meter last heard from at `lastReceivedAt`, at wall-clock `now`. */
export function silence(
  meter: Meter,
  place: string,
  lastReceivedAt: number,
  now: number,
  p: P,
): Verdict | undefined {
  const silentMs = now - lastReceivedAt
  if (silentMs <= offlineAfterMs(meter, p)) return undefined
  return {
    active: true,
    severity: 'warning',
    message: say('rule.meter.offline', {
      meter: meter.name ?? meter.id,
      place,
      minutes: Math.round(silentMs / MINUTE),
    }),
    evidence: {
      silentMinutes: round(silentMs / MINUTE, 1),
      lastHeard: new Date(lastReceivedAt).toISOString(),
      expectedIntervalSeconds: meter.intervalSeconds,
    },
  }
}

const limits = new WeakMap<Meter, number>()

/**
 * How long `meter` may stay silent before it is offline, with the registry's overrides: the one
 * definition the rule, the API and the web app share.
 */
export function offlineLimitMs(meter: Meter): number {
  let ms = limits.get(meter)
  if (ms === undefined) {
    ms = offlineAfterMs(meter, resolveParams(rule, meter, []).params as P)
    limits.set(meter, ms)
  }
  return ms
}

const rule = defineRule<P, Record<string, never>>({
  id: 'meter.offline',
  kinds: ['water', 'electricity', 'heat', 'temperature'],
  params,
  init: () => ({}),
  // Any reading means the meter is back.
  evaluate: () => ({ active: false }),
})

export default rule
