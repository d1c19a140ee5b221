/**
 * water.continuous_flow — in the last 24 h there was no hour in which the water stood still →
 * a leak. Leak rate = the smallest hourly volume in the window; clears after one full still hour.
 *
 * Source: Kamstrup MULTICAL 21 "LEAK" info code (no standstill for one hour in 24); Badger
 * AquaCUE leak report. An hour is still when the meter reported a flow of zero in it — timed
 * urinal cisterns pass litres every hour but stand still between flushes, while a drip of
 * 0.5 L/h never shows a zero flow — or, for meters that report only their register, when less
 * than `zeroFlowLitresPerHour` went through.
 *
 * A reported flow shows a standstill only when readings come close together (at most
 * `maxGapMinutes` apart): a quarter-hourly meter's flow is no instant. Where the hours' litres
 * decide, an hour with people in a building the meter serves says nothing (a boarding school's
 * incomer passes litres every hour of a school night); a window judged by litres alone alerts only
 * if some hour of it was empty — otherwise water.night_flow watches the meter's night base.
 */
import Type, { type Static } from 'typebox'
import { costEvidence, defineRule, HOUR, round, say, spread } from '../types.js'

export const params = Type.Object({
  zeroFlowLitresPerHour: Type.Number({ minimum: 0, default: 1 }),
  maxGapMinutes: Type.Number({
    exclusiveMinimum: 0,
    default: 6,
    description: 'a reported flow of zero shows a standstill only from readings at most this far apart',
  }),
  windowHours: Type.Integer({ minimum: 2, maximum: 168, default: 24 }),
})
type P = Static<typeof params>

/**
 * The hours of the window, oldest first: hour `from + i` took `litres[i]` litres, and `flows[i]` is
 * the smallest flow reported in it (NO_FLOW: readings but no flow; UNSEEN: no reading reached it).
 * Two flat arrays rather than an array per hour: far fewer objects to keep, save and restore for
 * 100,000 meters (docs/performance.md).
 */
interface S {
  from: number
  litres: number[]
  flows: number[]
  /** The hour of the newest reading; hours before it are complete. */
  current: number
  /** When the previous reading was taken. */
  prevTs?: number
}

const NO_FLOW = -1
const UNSEEN = -2

/** Index of hour h, the window grown to reach it; the hour counts as seen. */
function seen(s: S, h: number): number {
  if (s.litres.length === 0) s.from = h
  while (h < s.from) {
    s.from--
    s.litres.unshift(0)
    s.flows.unshift(UNSEEN)
  }
  while (h >= s.from + s.litres.length) {
    s.litres.push(0)
    s.flows.push(UNSEEN)
  }
  const i = h - s.from
  if (s.flows[i] === UNSEEN) s.flows[i] = NO_FLOW
  return i
}

/** Drops the hours before `oldest`. */
function trim(s: S, oldest: number): void {
  const n = Math.min(oldest - s.from, s.litres.length)
  if (n <= 0) return
  s.litres.splice(0, n)
  s.flows.splice(0, n)
  s.from += n
}

/** The longest window the parameters allow, and the hour being filled. */
const MAX_SPAN = 168 + 2

/** State saved before the window was kept flat: one [hour, litres, flow] per hour seen. */
function fromHours(saved: { hours: [number, number, number][]; current: number | null }): S {
  const current = saved.current ?? Number.NEGATIVE_INFINITY
  const s: S = { from: 0, litres: [], flows: [], current }
  for (const [h, litres, flow] of saved.hours) {
    // Hours that far back never counted again.
    if (h < current - MAX_SPAN) continue
    const i = seen(s, h)
    s.litres[i] = litres
    s.flows[i] = flow
  }
  return s
}

export default defineRule<P, S>({
  id: 'water.continuous_flow',
  kinds: ['water'],
  params,
  leak: true,
  init: () => ({ from: 0, litres: [], flows: [], current: Number.NEGATIVE_INFINITY }),
  restore: (saved) =>
    saved && typeof saved === 'object' && 'hours' in saved
      ? fromHours(saved as Parameters<typeof fromHours>[0])
      : (saved as S),
  evaluate(s, r, p) {
    const offset = r.local.offsetMinutes * 60_000
    const hour = Math.floor((r.ts + offset) / HOUR)
    // Hours before the window of the newest reading never count again.
    const oldest = Math.max(s.current, hour) - p.windowHours - 1
    trim(s, oldest)
    if (r.used !== undefined && r.usedFrom !== undefined) {
      spread(r.usedFrom, r.ts, r.used, HOUR, offset, (h, litres) => {
        if (h >= oldest) s.litres[seen(s, h)]! += litres
      })
    }
    const flow = r.values.flow_lpm
    const close = s.prevTs !== undefined && r.ts - s.prevTs <= p.maxGapMinutes * 60_000
    s.prevTs = r.ts
    if (flow !== undefined && close && hour >= oldest) {
      const i = seen(s, hour)
      const f = s.flows[i]!
      s.flows[i] = f < 0 ? flow : Math.min(f, flow)
    }
    if (hour <= s.current) return undefined
    s.current = hour
    // Where the meter reports its flow, that decides; otherwise the hour's litres do.
    const still = (h: number) => {
      const i = h - s.from
      const f = s.flows[i]
      if (f === undefined || f === UNSEEN) return true
      return f >= 0 ? f === 0 : s.litres[i]! < p.zeroFlowLitresPerHour
    }
    if (still(hour - 1)) return { active: false }
    // Some hour must tell: its flow seen close up, or nobody in the buildings the meter serves.
    let telling = false
    for (let h = hour - p.windowHours; h < hour; h++) {
      if (still(h)) return undefined
      telling ||= s.flows[h - s.from]! >= 0 || !r.occupiedAt(h * HOUR - offset + HOUR / 2)
    }
    if (!telling) return undefined
    let minLitres = Number.POSITIVE_INFINITY
    for (let h = hour - p.windowHours; h < hour; h++) minLitres = Math.min(minLitres, s.litres[h - s.from]!)
    return {
      active: true,
      severity: 'warning',
      message: say('rule.water.continuous_flow', {
        hours: p.windowHours,
        meter: r.meterName,
        place: r.place,
        litres: round(minLitres, 1),
      }),
      evidence: {
        leakLitresPerHour: round(minLitres, 2),
        windowHours: p.windowHours,
        ...costEvidence(r.meter, minLitres * 24, 'L'),
      },
    }
  },
})
