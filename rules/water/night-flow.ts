/**
 * water.night_flow — minimum night flow: each night's lowest rolling hour between 02:00 and 04:00
 * local; baseline = the 20th percentile of the previous nights (up to 7); an alert when two
 * nights in a row exceed baseline + max(5 L/h, 50 %). Source: UKWIR minimum-night-flow practice.
 * Steady night users such as timed urinal cisterns sit inside the baseline and do not alert;
 * nights with people in (boarders) are compared only with such nights.
 */
import Type, { type Static } from 'typebox'
import { costEvidence, defineRule, MINUTE, percentile, type RuleInput, round, say, spread } from '../types.js'

export const params = Type.Object({
  fromMinute: Type.Integer({
    minimum: 0,
    maximum: 1380,
    default: 120,
    description: 'window start, minutes after local midnight',
  }),
  toMinute: Type.Integer({ minimum: 60, maximum: 1440, default: 240 }),
  baselineNights: Type.Integer({ minimum: 3, maximum: 60, default: 7 }),
  minNights: Type.Integer({ minimum: 1, maximum: 30, default: 3 }),
  baselinePercentile: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }),
  marginLitresPerHour: Type.Number({ minimum: 0, default: 5 }),
  marginFraction: Type.Number({ minimum: 0, default: 0.5 }),
  nightsInARow: Type.Integer({ minimum: 1, maximum: 7, default: 2 }),
})
type P = Static<typeof params>

const BIN_MINUTES = 10
const BIN_MS = BIN_MINUTES * MINUTE

interface S {
  /** Local day of the night being measured. */
  day?: number
  /** Litres per 10-minute bin of the window; null where no reading covered it. */
  bins: (number | null)[]
  /** Minimum night flows of past nights, L/h, oldest first — kept apart for nights with people in (boarders) and empty ones. */
  nights: number[]
  occupiedNights?: number[]
  /** Whether the night being measured has people in. */
  occupied?: boolean
  exceeded: number
}

export default defineRule<P, S>({
  id: 'water.night_flow',
  kinds: ['water'],
  params,
  leak: true,
  init: () => ({ bins: [], nights: [], exceeded: 0 }),
  evaluate(s, r, p) {
    const { day, minute } = r.local
    const nBins = Math.ceil((p.toMinute - p.fromMinute) / BIN_MINUTES)
    let verdict: ReturnType<typeof finishNight>
    if (s.day !== undefined && day > s.day) verdict = finish(s, r, p)
    if (r.used !== undefined && r.usedFrom !== undefined && minute >= p.fromMinute) {
      const offset = r.local.offsetMinutes * MINUTE
      const windowStart = day * 86_400_000 + p.fromMinute * MINUTE
      spread(r.usedFrom, r.ts, r.used, BIN_MS, offset, (bucket, litres) => {
        const i = Math.floor((bucket * BIN_MS - windowStart) / BIN_MS)
        if (i < 0 || i >= nBins) return
        if (s.day === undefined) {
          s.day = day
          s.bins = Array.from({ length: nBins }, () => null)
          s.occupied = r.occupiedAt(windowStart - offset + ((p.toMinute - p.fromMinute) / 2) * MINUTE)
        }
        s.bins[i] = (s.bins[i] ?? 0) + litres
      })
    }
    // The night is over once a reading comes after its window (its last minutes counted first).
    if (s.day === day && minute >= p.toMinute) verdict = finish(s, r, p)
    return verdict
  },
})

/** Closes the night being measured (a plain function: a closure per reading showed in profiles). */
function finish(s: S, r: RuleInput, p: P) {
  const verdict = finishNight(s, r, p)
  delete s.day
  s.bins = []
  return verdict
}

function finishNight(s: S, r: RuleInput, p: P) {
  const perHour = 60 / BIN_MINUTES
  let mnf: number | undefined
  for (let i = 0; i + perHour <= s.bins.length; i++) {
    const window = s.bins.slice(i, i + perHour)
    if (window.some((b) => b === null)) continue
    const sum = window.reduce<number>((a, b) => a + (b ?? 0), 0)
    mnf = mnf === undefined ? sum : Math.min(mnf, sum)
  }
  if (mnf === undefined) return undefined
  // Compare like with like: a night with boarders in against other such nights.
  if (s.occupied) s.occupiedNights ??= []
  const list = s.occupied ? s.occupiedNights! : s.nights
  const history = list.slice(-p.baselineNights)
  list.push(round(mnf, 3))
  if (list.length > p.baselineNights) list.splice(0, list.length - p.baselineNights)
  if (history.length < p.minNights) return undefined
  const baseline = percentile(history, p.baselinePercentile)
  // Our refinement: also above every night it is compared with (bar the nights already over the
  // limit in this run). Empty nights change nothing, their history is flat; nights with boarders
  // in vary, and one of their busier nights is not a leak.
  const limit = Math.max(
    baseline + Math.max(p.marginLitresPerHour, p.marginFraction * baseline),
    Math.max(0, ...history.slice(0, history.length - s.exceeded)) + p.marginLitresPerHour,
  )
  if (mnf <= limit) {
    s.exceeded = 0
    return { active: false } as const
  }
  s.exceeded++
  if (s.exceeded < p.nightsInARow) return undefined
  const extra = mnf - baseline
  return {
    active: true,
    severity: 'warning',
    message: say('rule.water.night_flow', {
      meter: r.meterName,
      place: r.place,
      flow: round(mnf, 1),
      baseline: round(baseline, 1),
      nights: s.exceeded,
    }),
    evidence: {
      minNightFlowLitresPerHour: round(mnf, 2),
      baselineLitresPerHour: round(baseline, 2),
      limitLitresPerHour: round(limit, 2),
      nights: s.exceeded,
      ...costEvidence(r.meter, extra * 24, 'L'),
    },
  } as const
}
