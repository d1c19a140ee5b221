/**
 * water.night_flow — minimum night flow: each night's lowest rolling hour between 02:00 and 04:00
 * local; baseline = the 20th percentile of the previous nights (up to 7); an alert when two
 * nights in a row exceed baseline + max(5 L/h, 50 %). Source: UKWIR minimum-night-flow practice.
 * Steady night users such as timed urinal cisterns sit inside the baseline and do not alert.
 */
import Type from 'typebox'
import { costEvidence, defineRule, MINUTE, percentile, type RuleInput, round, spread } from '../types.js'

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
type P = {
  fromMinute: number
  toMinute: number
  baselineNights: number
  minNights: number
  baselinePercentile: number
  marginLitresPerHour: number
  marginFraction: number
  nightsInARow: number
}

const BIN_MINUTES = 10
const BIN_MS = BIN_MINUTES * MINUTE

interface S {
  /** Local day of the night being measured. */
  day?: number
  /** Litres per 10-minute bin of the window; null where no reading covered it. */
  bins: (number | null)[]
  /** Minimum night flows of past nights, L/h, oldest first. */
  nights: number[]
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
    const finish = () => {
      verdict = finishNight(s, r, p)
      delete s.day
      s.bins = []
    }
    if (s.day !== undefined && day > s.day) finish()
    if (r.used !== undefined && r.usedFrom !== undefined && minute >= p.fromMinute) {
      const offset = r.local.offsetMinutes * MINUTE
      const windowStart = day * 86_400_000 + p.fromMinute * MINUTE
      spread(r.usedFrom, r.ts, r.used, BIN_MS, offset, (bucket, litres) => {
        const i = Math.floor((bucket * BIN_MS - windowStart) / BIN_MS)
        if (i < 0 || i >= nBins) return
        if (s.day === undefined) {
          s.day = day
          s.bins = Array.from({ length: nBins }, () => null)
        }
        s.bins[i] = (s.bins[i] ?? 0) + litres
      })
    }
    // The night is over once a reading comes after its window (its last minutes counted first).
    if (s.day === day && minute >= p.toMinute) finish()
    return verdict
  },
})

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
  const history = s.nights.slice(-p.baselineNights)
  s.nights.push(round(mnf, 3))
  if (s.nights.length > p.baselineNights) s.nights.splice(0, s.nights.length - p.baselineNights)
  if (history.length < p.minNights) return undefined
  const baseline = percentile(history, p.baselinePercentile)
  const limit = baseline + Math.max(p.marginLitresPerHour, p.marginFraction * baseline)
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
    message: `Night flow at ${r.meter.name ?? r.meter.id} is ${round(mnf, 1)} L/h, above its usual ${round(baseline, 1)} L/h for ${s.exceeded} nights`,
    evidence: {
      minNightFlowLitresPerHour: round(mnf, 2),
      baselineLitresPerHour: round(baseline, 2),
      limitLitresPerHour: round(limit, 2),
      nights: s.exceeded,
      ...costEvidence(r.meter, extra * 24, 'L'),
    },
  } as const
}
