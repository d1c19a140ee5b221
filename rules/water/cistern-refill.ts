/**
 * water.cistern_refill — at least `refills` refills of similar volume (±10 %, each ≥ 0.3 L) within
 * 15 min (an hour here: a slow leak tops up every 10-20 min) while the building is unoccupied →
 * a running toilet or a leaking flapper.
 * Source: the Water-Monitor integration's tank-refill detector.
 *
 * A refill is a run of readings with water flowing, between readings with none. The refills must
 * also come at regular intervals, as a cistern refilling itself does (our refinement: three people
 * using a toilet within 15 minutes on a Sunday are not a leak), and each must be less than a full
 * flush: a leaking flapper lets the tank drop until the fill valve opens and tops it up, while
 * cleaners flushing every cistern of a block refill full tanks. The meter's cisterns are learned
 * from the refills it sees: sizes between 3 and 15 L seen again and again (toilets, urinal troughs)
 * are full flushes; until a size is known, or with `fullFlushLitres` under `partialFraction` of it,
 * a refill may be a leak.
 */
import Type, { type Static } from 'typebox'
import { costEvidence, defineRule, MINUTE, median, round, say, type Verdict } from '../types.js'

export const params = Type.Object({
  refills: Type.Integer({ minimum: 2, default: 3 }),
  withinMinutes: Type.Number({
    exclusiveMinimum: 0,
    default: 60,
    description: 'a slow leak tops up every 10-20 min: three refills within an hour',
  }),
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
  /**
   * How often refills of each size were seen, in 0.5 L bins from 3 L (fading by day): every
   * cistern refills the same volume each time, so the sizes of the meter's cisterns — toilets,
   * urinal troughs — stand out as peaks even on a main meter, where other draws merge into runs of
   * every size.
   */
  sizes?: number[]
  /** Local day the sizes were last faded. */
  sizesDay?: number
}

/** Refills that can be a full flush of a toilet cistern (not a drip refill, not a shower run). */
const FLUSH_RANGE: [number, number] = [3, 15]
const BIN_LITRES = 0.5
const BINS = (FLUSH_RANGE[1] - FLUSH_RANGE[0]) / BIN_LITRES
/** What was seen keeps this share of itself each day: the last few weeks decide. */
const SIZE_DECAY_PER_DAY = 0.95
/** Refills of one size needed before it is taken as a cistern's full flush. */
const FLUSHES_NEEDED = 5

export default defineRule<P, S>({
  id: 'water.cistern_refill',
  kinds: ['water'],
  params,
  leak: true,
  init: () => ({ refills: [] }),
  evaluate(s, r, p) {
    if (r.used === undefined) return undefined
    // Where the meter reports its flow, a refill ends when the water stands still: a register
    // that steps 0.1 L at a time under a steady drip is not a string of small refills.
    const flow = r.values.flow_lpm
    const flowing = r.used > 0 || (flow !== undefined && flow > 0)
    if (flowing) {
      if (!s.open) s.open = [r.usedFrom ?? r.ts, 0]
      s.open[1] += r.used
      return undefined
    }
    let verdict: Verdict | undefined
    if (s.open) {
      const [start, litres] = s.open
      delete s.open
      // Every refill of a cistern's size teaches the meter's cisterns, cleaners' rounds too; a
      // leaking flapper's top-ups are mostly smaller than that range.
      learnFlush(s, litres, r.local.day)
      // A refill of a size the meter's cisterns refill (a full flush) is not a leak, nor is one
      // bigger than any tank (a flush and a mop bucket together); with `fullFlushLitres`, anything
      // under the share of it is.
      const partial =
        p.fullFlushLitres !== undefined
          ? litres < p.partialFraction * p.fullFlushLitres
          : litres < FLUSH_RANGE[1] && !knownSize(s, litres)
      if (!r.occupancy.occupied && litres >= p.minLitres && partial) {
        s.refills.push([start, litres])
        s.refills = s.refills.filter(([t]) => t >= r.ts - p.withinMinutes * MINUTE)
        // The latest `refills` of them must come on a clock: a draw merged into one of the earlier
        // refills (so missing from the group) breaks no pattern.
        const similar = matching(s.refills, p).slice(-p.refills)
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
              ...(p.fullFlushLitres !== undefined ? { fullFlushLitres: p.fullFlushLitres } : {}),
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

/** Counts a refill of a cistern's size (what was seen before fades by the day). */
function learnFlush(s: S, litres: number, day: number): void {
  if (litres < FLUSH_RANGE[0] || litres >= FLUSH_RANGE[1]) return
  s.sizes ??= new Array<number>(BINS).fill(0)
  if (s.sizesDay !== undefined && day > s.sizesDay) {
    const fade = SIZE_DECAY_PER_DAY ** (day - s.sizesDay)
    for (let i = 0; i < BINS; i++) s.sizes[i] = round(s.sizes[i]! * fade, 3)
  }
  s.sizesDay = day
  const bin = Math.floor((litres - FLUSH_RANGE[0]) / BIN_LITRES)
  s.sizes[bin] = round(s.sizes[bin]! + 1, 3)
}

/** Whether refills of about this size are one of the meter's cisterns refilling in full. */
function knownSize(s: S, litres: number): boolean {
  if (!s.sizes || litres < FLUSH_RANGE[0] || litres >= FLUSH_RANGE[1]) return false
  const bin = Math.floor((litres - FLUSH_RANGE[0]) / BIN_LITRES)
  const near = (s.sizes[bin - 1] ?? 0) + s.sizes[bin]! + (s.sizes[bin + 1] ?? 0)
  return near >= FLUSHES_NEEDED
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
