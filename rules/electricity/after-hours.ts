/**
 * electricity.after_hours — while the building is empty, the meter uses more than it normally
 * does at that hour when empty, for an hour and more than 1 kWh in all.
 *
 * Normal is the meter's own (rules/normal.ts): per hour of the day and occupancy state, a robust
 * running mean of its half-hourly demand and of how much that varies. Night lights on a photocell
 * or a timer, fridges and freezers cycling and servers are part of it; a half-hour counts as waste
 * when it exceeds the mean by `deviations` × its usual deviation (and by at least `marginKw` and
 * `marginFraction`); its deviation is never taken as less than the meter's typical one. Use above
 * that which comes back at the same hour on another day within two weeks — dinner cooked on Sunday
 * for returning boarders, the dormitory emptying on Monday morning — is normal too, unless it
 * lasts longer than three hours (lights left on all weekend are not learned). A slot is judged
 * once it has seen `minValues` half-hours (the warm-up: about a week). Source: Energy Sparks baseload and out-of-hours analysis; LBNL load-shape metrics;
 * the EWMA control chart of statistical process control for the judgement.
 */
import Type, { type Static } from 'typebox'
import {
  type Envelope,
  envelopeNear,
  type Held,
  type Level,
  learnEnvelope,
  learnLevel,
  learnOrHold,
  levelOf,
  newEnvelope,
  newLevel,
  slotOf,
  typicalDeviation,
} from '../normal.js'
import { costEvidence, defineRule, MINUTE, type RuleInput, round, say, spread } from '../types.js'

export const params = Type.Object({
  deviations: Type.Number({ exclusiveMinimum: 0, default: 4, description: 'how far above normal is waste' }),
  minValues: Type.Integer({
    minimum: 1,
    default: 2,
    description: 'half-hours a slot needs before it is judged',
  }),
  learnWeight: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.1 }),
  holdMinutes: Type.Number({ minimum: 30, default: 60 }),
  minExcessKwh: Type.Number({ minimum: 0, default: 1 }),
  marginFraction: Type.Number({
    minimum: 0,
    default: 0.15,
    description: 'excess below this share of the normal demand is never waste',
  }),
  marginKw: Type.Number({ minimum: 0, default: 0.2 }),
})
type P = Static<typeof params>

const HALF_HOUR = 30 * MINUTE
/** Weekly events run a few hours at most; lights or heaters left on all weekend run longer. */
const LONGEST_NORMAL_RUN_MS = 3 * 60 * MINUTE
const RECURRING = { decay: 0.97, tolerance: 1.2, recurWithinDays: 14, similar: 0.5, floor: 0 }
/** Half-hours of a gap judged at most: older ones have no reading of their own. */
const MAX_JUDGED = 4

interface S extends Held {
  /** kWh per local half-hour index, for the half-hours not yet judged. */
  halfHours: [number, number][]
  /** The newest half-hour seen; earlier ones are complete. */
  current: number
  /** The meter's normal demand, kW. */
  normal: Level
  /** Demand above that which comes back on other days at the same hour (weekly events), kW. */
  recurring?: Envelope
  /** Current run of empty half-hours above normal: first and last half-hour index, kWh above normal. */
  run?: [number, number, number]
}

export default defineRule<P, S>({
  id: 'electricity.after_hours',
  kinds: ['electricity'],
  // Dorm rooms have their own rule; their base load is standby.
  appliesTo: (m) => m.space?.use !== 'dorm_room',
  params,
  init: () => ({ halfHours: [], current: Number.NEGATIVE_INFINITY, normal: newLevel() }),
  restore: (saved) => {
    const s = saved as S & { days?: number[] }
    // State saved before normals were learned: start learning.
    if (!s.normal)
      return { halfHours: [], current: s.current ?? Number.NEGATIVE_INFINITY, normal: newLevel() }
    return s
  },
  evaluate(s, r, p) {
    const offset = r.local.offsetMinutes * MINUTE
    if (r.used !== undefined && r.usedFrom !== undefined) {
      spread(r.usedFrom, r.ts, r.used, HALF_HOUR, offset, (hh, kwh) => {
        if (hh <= s.current - 1) return // judged already
        const e = s.halfHours.find((x) => x[0] === hh)
        if (e) e[1] += kwh
        else s.halfHours.push([hh, kwh])
      })
    }
    const hh = Math.floor((r.ts + offset) / HALF_HOUR)
    if (hh <= s.current) return undefined
    const first = Math.max(s.current, hh - MAX_JUDGED)
    s.current = hh
    let verdict: ReturnType<typeof judge>
    for (let done = first; done < hh; done++) {
      const e = s.halfHours.find((x) => x[0] === done)
      if (!e) continue
      verdict = judge(s, done, e[1], r, p, offset) ?? verdict
    }
    s.halfHours = s.halfHours.filter(([i]) => i >= hh)
    return verdict
  },
})

/** Judges one complete half-hour `hh` that used `kwh`, and learns it. */
function judge(s: S, hh: number, kwh: number, r: RuleInput, p: P, offset: number) {
  const start = hh * HALF_HOUR - offset
  const occupied = r.occupiedAt(start + HALF_HOUR / 2)
  const slot = slotOf(Math.floor((hh % 48) / 2), occupied)
  const kw = kwh * 2
  const learn = () =>
    learnLevel(s.normal, slot, kw, {
      alpha: p.learnWeight,
      clip: p.deviations,
      floor: p.marginKw / p.deviations,
    })
  if (occupied) {
    learn()
    delete s.run
    return { active: false } as const
  }
  const normal = levelOf(s.normal, slot, p.minValues, p.marginKw / p.deviations)
  const typical = typicalDeviation(s.normal, false, p.minValues) ?? 0
  learn()
  if (!normal) return undefined
  const excessKw = kw - normal.mean
  const dev = Math.max(normal.dev, typical)
  const limit = Math.max(p.deviations * dev, p.marginKw, p.marginFraction * normal.mean)
  // Demand beyond the normal band, and what of it comes back on other days at this hour.
  const beyond = Math.max(0, excessKw - limit)
  s.recurring ??= newEnvelope()
  const recurring = s.recurring
  const usual = envelopeNear(recurring, slot, r.local.day, RECURRING.recurWithinDays)
  learnOrHold(
    s,
    {
      since: s.run ? s.run[0] * HALF_HOUR - offset : undefined,
      now: start,
      longestMs: LONGEST_NORMAL_RUN_MS,
    },
    slot,
    r.local.day,
    beyond,
    (sl, d, x) => learnEnvelope(recurring, sl, d, x, RECURRING),
  )
  if (beyond <= usual * RECURRING.tolerance) {
    delete s.run
    return { active: false } as const
  }
  if (!s.run || s.run[1] !== hh - 1) s.run = [hh, hh, 0]
  s.run[1] = hh
  s.run[2] = round(s.run[2] + excessKw / 2, 4)
  const minutes = (hh + 1 - s.run[0]) * 30
  if (minutes < p.holdMinutes || s.run[2] < p.minExcessKwh) return undefined
  return {
    active: true,
    severity: 'warning',
    message: say('rule.electricity.after_hours', {
      place: r.place,
      excess: round(excessKw, 1),
      normal: round(normal.mean, 1),
      minutes,
    }),
    evidence: {
      excessKw: round(excessKw, 2),
      normalKw: round(normal.mean, 2),
      normalDeviationKw: round(dev, 3),
      minutes,
      excessKwhSoFar: round(s.run[2], 2),
      // If it stays on through a night and the next morning: 14 empty hours a school day.
      ...costEvidence(r.meter, excessKw * 14, 'kWh'),
    },
    period: { from: start, to: start + HALF_HOUR },
  } as const
}
