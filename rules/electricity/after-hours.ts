/**
 * electricity.after_hours — while the building is unoccupied, consumption above its base load.
 * Base load = the mean of the 8 lowest half-hours of each day, averaged over the last 14 days;
 * an alert when the excess holds for 60 min and adds up to more than 1 kWh.
 * Source: Energy Sparks baseload and out-of-hours analysis; LBNL load-shape metrics.
 */
import Type, { type Static } from 'typebox'
import { costEvidence, defineRule, MINUTE, round, say, spread } from '../types.js'

export const params = Type.Object({
  lowestHalfHours: Type.Integer({ minimum: 1, maximum: 48, default: 8 }),
  baselineDays: Type.Integer({ minimum: 1, maximum: 60, default: 14 }),
  minDays: Type.Integer({ minimum: 1, maximum: 60, default: 3 }),
  holdMinutes: Type.Number({ minimum: 30, default: 60 }),
  minExcessKwh: Type.Number({ minimum: 0, default: 1 }),
  marginFraction: Type.Number({
    minimum: 0,
    default: 0.1,
    description: 'excess below this share of the base load is noise',
  }),
  marginKw: Type.Number({ minimum: 0, default: 0.1 }),
})
type P = Static<typeof params>

const HALF_HOUR = 30 * MINUTE

interface S {
  /** kWh per local half-hour index, for the current and previous day. */
  halfHours: [number, number][]
  /** The newest half-hour seen; earlier ones are complete. */
  current: number
  /** Base load of past days, kW. */
  days: number[]
  /** Current run of unoccupied half-hours above the base: first and last half-hour index, kWh above base. */
  run?: [number, number, number]
}

export default defineRule<P, S>({
  id: 'electricity.after_hours',
  kinds: ['electricity'],
  // Dorm rooms have their own rule; their base load is standby.
  appliesTo: (m) => m.space?.use !== 'dorm_room',
  params,
  init: () => ({ halfHours: [], current: Number.NEGATIVE_INFINITY, days: [] }),
  evaluate(s, r, p) {
    const offset = r.local.offsetMinutes * MINUTE
    if (r.used !== undefined && r.usedFrom !== undefined) {
      spread(r.usedFrom, r.ts, r.used, HALF_HOUR, offset, (hh, kwh) => {
        const e = s.halfHours.find((x) => x[0] === hh)
        if (e) e[1] += kwh
        else s.halfHours.push([hh, kwh])
      })
    }
    const hh = Math.floor((r.ts + offset) / HALF_HOUR)
    if (hh <= s.current) return undefined
    const completed = s.current
    s.current = hh
    if (!Number.isFinite(completed)) return undefined
    const perDay = 48
    // A new day: close the days before it.
    const day = Math.floor(hh / perDay)
    for (const d of new Set(s.halfHours.map(([i]) => Math.floor(i / perDay)))) {
      if (d >= day) continue
      const kwh = s.halfHours.filter(([i]) => Math.floor(i / perDay) === d).map(([, k]) => k)
      if (kwh.length >= 40) {
        const lowest = kwh.sort((a, b) => a - b).slice(0, p.lowestHalfHours)
        s.days.push(round((lowest.reduce((a, b) => a + b, 0) / lowest.length) * 2, 4))
        if (s.days.length > p.baselineDays) s.days.shift()
      }
      s.halfHours = s.halfHours.filter(([i]) => Math.floor(i / perDay) !== d || i >= hh - 2)
    }
    if (s.days.length < p.minDays) return undefined
    const baseKw = s.days.reduce((a, b) => a + b, 0) / s.days.length
    const kwhDone = s.halfHours.find(([i]) => i === completed)?.[1]
    if (kwhDone === undefined) return undefined
    const mid = completed * HALF_HOUR - offset + HALF_HOUR / 2
    const occupied = r.occupiedAt(mid)
    const excessKw = kwhDone * 2 - baseKw
    if (occupied || excessKw <= Math.max(p.marginKw, p.marginFraction * baseKw)) {
      delete s.run
      return { active: false }
    }
    if (!s.run || s.run[1] !== completed - 1) s.run = [completed, completed, 0]
    s.run[1] = completed
    s.run[2] += excessKw / 2
    const minutes = (completed + 1 - s.run[0]) * 30
    if (minutes < p.holdMinutes || s.run[2] < p.minExcessKwh) return undefined
    return {
      active: true,
      severity: 'warning',
      message: say('rule.electricity.after_hours', {
        place: r.place,
        excess: round(excessKw, 1),
        normal: round(baseKw, 1),
        minutes,
      }),
      evidence: {
        excessKw: round(excessKw, 2),
        baseLoadKw: round(baseKw, 2),
        minutes,
        excessKwhSoFar: round(s.run[2], 2),
        // If it stays on through a night and the next morning: 14 unoccupied hours a school day.
        ...costEvidence(r.meter, excessKw * 14, 'kWh'),
      },
    }
  },
})
