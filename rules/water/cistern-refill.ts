/**
 * water.cistern_refill — at least `refills` refills of similar volume (±10 %, each ≥ 0.3 L) within
 * 15 min while the building is unoccupied → a running toilet or a leaking flapper.
 * Source: the Water-Monitor integration's tank-refill detector.
 *
 * A refill is a run of readings with water flowing, between readings with none. The refills must
 * also come at regular intervals, as a cistern refilling itself does (our refinement: three people
 * using a toilet within 15 minutes on a Sunday are not a leak), and each must be less than a full
 * flush: a leaking flapper lets the tank drop until the fill valve opens and tops it up, while
 * cleaners flushing every cistern of a block refill full tanks. The full flush is the meter's own,
 * learned from the refills it sees (`fullFlushLitres` when set); until five are seen, every
 * refill may be a leak.
 */
import Type, { type Static } from 'typebox'
import { costEvidence, defineRule, MINUTE, median, round, say, type Verdict } from '../types.js'

export const params = Type.Object({
  refills: Type.Integer({ minimum: 2, default: 3 }),
  withinMinutes: Type.Number({ exclusiveMinimum: 0, default: 15 }),
  similarity: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.1 }),
  minLitres: Type.Number({ minimum: 0, default: 0.3 }),
  clearAfterMinutes: Type.Number({ minimum: 0, default: 30 }),
  regularity: Type.Number({
    exclusiveMinimum: 0,
    default: 0.5,
    description: 'gaps between refills within ± this share of their mean',
  }),
  fullFlushLitres: Type.Optional(
    Type.Number({ exclusiveMinimum: 0, description: "the cisterns' full flush; learned when not set" }),
  ),
  partialFraction: Type.Number({
    exclusiveMinimum: 0,
    maximum: 1,
    default: 0.8,
    description: 'a leak refills less than this share of a full flush',
  }),
})
type P = Static<typeof params>

interface S {
  /** The refill being measured: [start, litres]. */
  open?: [number, number]
  /** Finished refills while unoccupied: [start, litres]. */
  refills: [number, number][]
  lastMatch?: number
  /** The full flush learned from the refills seen, L, and how many. */
  flush?: number
  flushes?: number
}

/** Refills that can be a full flush of a toilet cistern (not a drip refill, not a shower run). */
const FLUSH_RANGE: [number, number] = [3, 15]
const FLUSHES_NEEDED = 5

export default defineRule<P, S>({
  id: 'water.cistern_refill',
  kinds: ['water'],
  params,
  leak: true,
  init: () => ({ refills: [] }),
  evaluate(s, r, p) {
    if (r.used === undefined) return undefined
    const flowing = r.used > 0
    if (flowing) {
      if (!s.open) s.open = [r.usedFrom ?? r.ts, 0]
      s.open[1] += r.used
      return undefined
    }
    let verdict: Verdict | undefined
    if (s.open) {
      const [start, litres] = s.open
      delete s.open
      // Every refill of a cistern's size teaches the full flush, cleaners' rounds too; a leak's
      // refills are smaller than that range.
      learnFlush(s, litres)
      // Until the full flush is known (configured, or ten seen in use) every refill may be a leak.
      const full = p.fullFlushLitres ?? ((s.flushes ?? 0) >= FLUSHES_NEEDED ? s.flush! : undefined)
      const partial = full === undefined || litres < p.partialFraction * full
      if (!r.occupancy.occupied && litres >= p.minLitres && partial) {
        s.refills.push([start, litres])
        s.refills = s.refills.filter(([t]) => t >= r.ts - p.withinMinutes * MINUTE)
        const similar = matching(s.refills, p)
        if (similar.length >= p.refills && regular(similar, p)) {
          s.lastMatch = r.ts
          const each = median(similar.map(([, l]) => l))
          const period = (similar[similar.length - 1]![0] - similar[0]![0]) / (similar.length - 1) / MINUTE
          verdict = {
            active: true,
            severity: 'warning',
            message: say('rule.water.cistern_refill', {
              period: round(period, 1),
              meter: r.meterName,
              litres: round(each, 1),
              place: r.place,
            }),
            evidence: {
              refills: similar.length,
              litresEach: round(each, 2),
              ...(full !== undefined ? { fullFlushLitres: round(full, 1) } : {}),
              periodMinutes: round(period, 1),
              ...costEvidence(r.meter, period > 0 ? (each * 24 * 60) / period : each * 96, 'L'),
            },
          }
        }
      }
    }
    if (!verdict && s.lastMatch !== undefined && r.ts - s.lastMatch >= p.clearAfterMinutes * MINUTE) {
      delete s.lastMatch
      return { active: false }
    }
    return verdict
  },
})

/**
 * The meter's full flush: the median-like running level of the refills seen in use, where full
 * flushes are the commonest run of that size (a robust running median: steps of 2 % toward each).
 */
function learnFlush(s: S, litres: number): void {
  if (litres < FLUSH_RANGE[0] || litres > FLUSH_RANGE[1]) return
  s.flushes = Math.min((s.flushes ?? 0) + 1, 1000)
  if (s.flush === undefined) s.flush = litres
  else s.flush = round(s.flush * (litres > s.flush ? 1.02 : 0.98), 3)
}

/**
 * A cistern with a leaking flapper refills on a clock; people using a toilet do not. The gaps
 * between the refills must be alike.
 */
function regular(refills: [number, number][], p: P): boolean {
  const gaps = refills.slice(1).map(([t], i) => t - refills[i]![0])
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length
  return gaps.every((g) => Math.abs(g - mean) <= p.regularity * mean)
}

/** The largest group of refills whose volumes lie within ±similarity of their median. */
function matching(refills: [number, number][], p: P): [number, number][] {
  let best: [number, number][] = []
  for (const [, ref] of refills) {
    const group = refills.filter(([, l]) => Math.abs(l - ref) <= p.similarity * ref)
    if (group.length > best.length) best = group
  }
  if (best.length === 0) return best
  const m = median(best.map(([, l]) => l))
  return best.filter(([, l]) => Math.abs(l - m) <= p.similarity * m)
}
