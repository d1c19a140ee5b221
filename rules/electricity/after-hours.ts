/**
 * electricity.after_hours — while the building is empty, the meter uses more than it normally
 * does at that hour when empty, for three hours and more than 3 kWh in all (RULES.md says an
 * hour and 1 kWh: a teacher working late in the office, a meeting in the evening, are not waste;
 * lights or air conditioning left on run all night. Waste goes out in the daily digest anyway).
 *
 * Normal is the meter's own (rules/normal.ts): per hour of the day and occupancy state, a robust
 * running mean of its half-hourly demand and of how much that varies. Night lights on a photocell
 * or a timer, fridges and freezers cycling and servers are part of it; a half-hour counts as waste
 * when it exceeds the mean by `deviations` × its usual deviation (and by at least `marginKw` and
 * `marginFraction`); its deviation is never taken as less than the meter's typical one. Use above
 * that which came at the same hour a week before — dinner cooked on Sunday for returning boarders,
 * the dormitory emptying on Monday morning — is normal too, unless it lasted longer than three
 * hours (lights left on all weekend are never learned). A slot is judged once it has seen
 * `minValues` half-hours (the warm-up: about a week). A meter is judged while any building it
 * serves is empty: a main incomer at night, the dormitory in use, the teaching blocks empty. Its
 * normal is learned apart for days off, school days before and after hours, some buildings in use. Source: Energy Sparks baseload and out-of-hours analysis; LBNL load-shape metrics;
 * the EWMA control chart of statistical process control for the judgement.
 */
import Type, { type Static } from 'typebox'
import {
  type Held,
  type Level,
  learnLevel,
  learnOrHold,
  levelOf,
  newLevel,
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
  holdMinutes: Type.Number({
    minimum: 30,
    default: 180,
    description: 'a teacher working late goes home; lights or air conditioning left on run all night',
  }),
  minExcessKwh: Type.Number({ minimum: 0, default: 3 }),
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
const HOURS_OF_WEEK = 168
const NONE_IN_DAY_OFF = 0
const NONE_IN_SCHOOL_DAY = 1
const SOME_IN = 2
const ALL_IN = 3
/** Slots of the level: 24 hours in each of the four states. */
const STATE_SLOTS = 96
/** A weekly event that skips a week keeps this share of its level; one within this factor is normal. */
const WEEKLY_FADE = 0.7
const WEEKLY_TOLERANCE = 1.3

/** Hour of the week (Monday 00:00 = 0) of a local half-hour index (1970-01-01 was a Thursday). */
const hourOfWeek = (hh: number): number => {
  const day = Math.floor(hh / 48)
  return ((((day + 3) % 7) + 7) % 7) * 24 + Math.floor((((hh % 48) + 48) % 48) / 2)
}
/** Half-hours of a gap judged at most: older ones have no reading of their own. */
const MAX_JUDGED = 4

interface S extends Held {
  /** kWh per local half-hour index, for the half-hours not yet judged. */
  halfHours: [number, number][]
  /** The newest half-hour seen; earlier ones are complete. */
  current: number
  /** The meter's normal demand, kW. */
  normal: Level
  /**
   * Demand beyond the normal band at each hour of the week (Monday 00:00 first), as it was last
   * seen: weekly events (dinner cooked on Sunday for returning boarders, the dormitory emptying
   * on Monday morning), kW.
   */
  week?: number[]
  /** Current run of empty half-hours above normal: first and last half-hour index, kWh above normal. */
  run?: [number, number, number]
}

export default defineRule<P, S>({
  id: 'electricity.after_hours',
  kinds: ['electricity'],
  // Dorm rooms have their own rule; their base load is standby.
  appliesTo: (m) => m.space?.use !== 'dorm_room',
  params,
  init: () => ({ halfHours: [], current: Number.NEGATIVE_INFINITY, normal: newLevel(STATE_SLOTS) }),
  restore: (saved) => {
    const s = saved as S & { days?: number[] }
    // State saved before normals were learned in these four states: start learning.
    if (s.normal?.n.length !== STATE_SLOTS)
      return { halfHours: [], current: s.current ?? Number.NEGATIVE_INFINITY, normal: newLevel(STATE_SLOTS) }
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
  // Judged while any building the meter serves is empty: a main incomer's night, with the
  // dormitory in use and the teaching blocks empty, is after hours for the teaching blocks.
  const mid = start + HALF_HOUR / 2
  // Four states, each with its own normal per hour: nobody in on a day off; nobody in on a school
  // day (staff come early and leave late); some of the buildings in use (a main incomer with the
  // dormitory in use at night, or the teaching blocks by day); all in use.
  const state = r.allOccupiedAt(mid)
    ? ALL_IN
    : r.occupiedAt(mid)
      ? SOME_IN
      : r.calendar.occupancy(r.meter.building, mid).dayType === 'school_day'
        ? NONE_IN_SCHOOL_DAY
        : NONE_IN_DAY_OFF
  const full = state === ALL_IN
  const slot = state * 24 + Math.floor((hh % 48) / 2)
  const kw = kwh * 2
  const learn = (outlier = false) =>
    learnLevel(
      s.normal,
      slot,
      kw,
      { alpha: p.learnWeight, clip: p.deviations, floor: p.marginKw / p.deviations },
      outlier,
    )
  if (full) {
    learn()
    delete s.run
    return { active: false } as const
  }
  const normal = levelOf(s.normal, slot, p.minValues, p.marginKw / p.deviations)
  const typical = typicalDeviation(s.normal, 0, ALL_IN * 24, p.minValues) ?? 0
  if (!normal) {
    learn()
    return undefined
  }
  const excessKw = kw - normal.mean
  const dev = Math.max(normal.dev, typical)
  const limit = Math.max(p.deviations * dev, p.marginKw, p.marginFraction * normal.mean)
  // Demand beyond the normal band, against what was beyond it at this hour a week before.
  const beyond = Math.max(0, excessKw - limit)
  const hour = hourOfWeek(hh)
  s.week ??= new Array<number>(HOURS_OF_WEEK).fill(0)
  const week = s.week
  const usual = Math.max(
    week[(hour + HOURS_OF_WEEK - 1) % HOURS_OF_WEEK]!,
    week[hour]!,
    week[(hour + 1) % HOURS_OF_WEEK]!,
  )
  const waste = beyond > usual * WEEKLY_TOLERANCE
  // A weekly event (above the band, but as it was a week before) is the week's memory's to know:
  // learned into this hour's level it would blur Saturday with Sunday. Waste is learned as an outlier.
  if (beyond === 0) learn()
  else if (waste) learn(true)
  if (!waste) delete s.run
  else {
    if (!s.run || s.run[1] !== hh - 1) s.run = [hh, hh, 0]
    s.run[1] = hh
    s.run[2] = round(s.run[2] + excessKw / 2, 4)
  }
  learnOrHold(
    s,
    {
      since: s.run ? s.run[0] * HALF_HOUR - offset : undefined,
      now: start,
      longestMs: LONGEST_NORMAL_RUN_MS,
    },
    hour,
    hh % 2 === 0 ? 1 : 0,
    beyond,
    // The first half-hour of an hour starts its week afresh (what it was fades), the second adds to it.
    (h, fresh, x) => {
      week[h] = round(Math.max(x, fresh ? week[h]! * WEEKLY_FADE : week[h]!), 2)
    },
  )
  if (!s.run) return { active: false } as const
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
