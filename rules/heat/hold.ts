/**
 * The shape most heating rules share: a condition that must hold for a while before it counts,
 * and stop holding for a while before the alert clears.
 */
import type { Verdict } from '../types.js'

export interface HoldState {
  since?: number
  clearSince?: number
}

/**
 * `condition` true: active once it has held `holdMs` (calling `active` for the verdict);
 * false: inactive once it has not held for `clearMs`; undefined: no opinion (not applicable).
 */
export function hold(
  s: HoldState,
  ts: number,
  condition: boolean | undefined,
  holdMs: number,
  clearMs: number,
  active: (heldMs: number) => Verdict,
): Verdict | undefined {
  if (condition === undefined) return undefined
  if (condition) {
    delete s.clearSince
    s.since ??= ts
    return ts - s.since >= holdMs ? active(ts - s.since) : undefined
  }
  delete s.since
  s.clearSince ??= ts
  return ts - s.clearSince >= clearMs ? { active: false } : undefined
}
