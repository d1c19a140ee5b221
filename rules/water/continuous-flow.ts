/**
 * water.continuous_flow — in the last 24 h there was no hour in which the water stood still →
 * a leak. Leak rate = the smallest hourly volume in the window; clears after one full still hour.
 *
 * Source: Kamstrup MULTICAL 21 "LEAK" info code (no standstill for one hour in 24); Badger
 * AquaCUE leak report. An hour is still when the meter reported a flow of zero in it — timed
 * urinal cisterns pass litres every hour but stand still between flushes, while a drip of
 * 0.5 L/h never shows a zero flow — or, for meters that report only their register, when less
 * than `zeroFlowLitresPerHour` went through.
 */
import Type, { type Static } from 'typebox'
import { costEvidence, defineRule, HOUR, round, spread } from '../types.js'

export const params = Type.Object({
  zeroFlowLitresPerHour: Type.Number({ minimum: 0, default: 1 }),
  windowHours: Type.Integer({ minimum: 2, maximum: 168, default: 24 }),
})
type P = Static<typeof params>

/** Per local hour: [hour index, litres, smallest reported flow or -1 when none reported]. */
interface S {
  hours: [number, number, number][]
  /** The hour of the newest reading; hours before it are complete. */
  current: number
}

function hourEntry(s: S, h: number): [number, number, number] {
  let e = s.hours.find((x) => x[0] === h)
  if (!e) {
    e = [h, 0, -1]
    s.hours.push(e)
    s.hours.sort((a, b) => a[0] - b[0])
  }
  return e
}

export default defineRule<P, S>({
  id: 'water.continuous_flow',
  kinds: ['water'],
  params,
  leak: true,
  init: () => ({ hours: [], current: Number.NEGATIVE_INFINITY }),
  evaluate(s, r, p) {
    const offset = r.local.offsetMinutes * 60_000
    const hour = Math.floor((r.ts + offset) / HOUR)
    if (r.used !== undefined && r.usedFrom !== undefined) {
      spread(r.usedFrom, r.ts, r.used, HOUR, offset, (h, litres) => {
        hourEntry(s, h)[1] += litres
      })
    }
    const flow = r.values.flow_lpm
    if (flow !== undefined) {
      const e = hourEntry(s, hour)
      e[2] = e[2] < 0 ? flow : Math.min(e[2], flow)
    }
    if (hour <= s.current) return undefined
    s.current = hour
    // Keep the window and the hour being filled.
    s.hours = s.hours.filter((e) => e[0] >= hour - p.windowHours - 1)
    const byHour = new Map(s.hours.map((e) => [e[0], e]))
    // Where the meter reports its flow, that decides; otherwise the hour's litres do.
    const still = (h: number) => {
      const e = byHour.get(h)
      if (!e) return true
      return e[2] >= 0 ? e[2] === 0 : e[1] < p.zeroFlowLitresPerHour
    }
    if (still(hour - 1)) return { active: false }
    for (let h = hour - p.windowHours; h < hour; h++) if (still(h)) return undefined
    let minLitres = Number.POSITIVE_INFINITY
    for (let h = hour - p.windowHours; h < hour; h++) minLitres = Math.min(minLitres, byHour.get(h)![1])
    return {
      active: true,
      severity: 'warning',
      message: `Water has not stood still for ${p.windowHours} h at ${r.meter.name ?? r.meter.id}: at least ${round(minLitres, 1)} L every hour — a leak`,
      evidence: {
        leakLitresPerHour: round(minLitres, 2),
        windowHours: p.windowHours,
        ...costEvidence(r.meter, minLitres * 24, 'L'),
      },
    }
  },
})
