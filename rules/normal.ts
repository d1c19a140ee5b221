/**
 * A meter's own normal, learned from its history: what it usually does at this hour of the day in
 * this occupancy state. Rules that compare against "normal" judge a departure against the meter's
 * own level and its own variability, not a fixed percentage: photocell lights at night, compressors
 * cycling and showers every Tuesday evening are that meter's normal; a new, sustained departure is not.
 *
 * Two shapes, both kept per slot (hour of the day × occupied or empty: 48 slots), small enough to
 * keep for 100,000 meters:
 * - a **level**: an exponentially weighted mean and mean absolute deviation of the values seen in
 *   the slot, each new value clipped to the normal band first (a robust EWMA, as in statistical
 *   process control), so a fault moves the normal only slowly while a lasting change of use is
 *   learned over weeks;
 * - an **envelope**: the highest value the slot normally reaches (a sustained flow), decaying
 *   slowly; a new high becomes normal only when it comes back on another day at a similar level
 *   (showers twice a week), never while it lasts (a burst).
 *
 * Plain arrays in the rule's state: they are saved and restored with it.
 */

import { HOUR, spread } from './types.js'

export const SLOTS = 48

/** The slot of a local hour of the day (0–23) in an occupancy state. */
export const slotOf = (hour: number, occupied: boolean): number => (occupied ? 0 : 24) + hour

export interface Level {
  /** Values learned per slot (capped). */
  n: number[]
  mean: number[]
  /** Mean absolute deviation from the mean. */
  dev: number[]
}

export const newLevel = (slots = SLOTS): Level => ({
  n: new Array<number>(slots).fill(0),
  mean: new Array<number>(slots).fill(0),
  dev: new Array<number>(slots).fill(0),
})

export interface LevelParams {
  /** Weight of a new value once the slot has `1 / alpha` of them (earlier ones average equally). */
  alpha: number
  /** A value is clipped to mean ± clip × dev before it is learned. */
  clip: number
  /** The smallest deviation a slot is credited with, in the value's unit. */
  floor: number
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4

/**
 * Learns one value of a slot. A value the rule judged out of the ordinary (`outlier`) moves the mean
 * only a quarter as much, at most two deviations' worth, and leaves the deviation as it was: a fault
 * neither becomes normal nor widens what is normal, while a lasting change of use (a new server
 * running every night) is learned within a week or two.
 */
export function learnLevel(l: Level, slot: number, x: number, p: LevelParams, outlier = false): void {
  const n = l.n[slot]!
  if (n === 0) {
    l.mean[slot] = round4(x)
    l.dev[slot] = round4(Math.max(p.floor, Math.abs(x) * 0.1))
    l.n[slot] = 1
    return
  }
  const mean = l.mean[slot]!
  const dev = Math.max(l.dev[slot]!, p.floor)
  // The first values average equally; later ones weigh `alpha`.
  const a = Math.max(p.alpha, 1 / (n + 1))
  if (outlier) {
    const clipped = Math.min(Math.max(x, mean - 2 * dev), mean + 2 * dev)
    l.mean[slot] = round4(mean + (a / 4) * (clipped - mean))
    return
  }
  const clipped = Math.min(Math.max(x, mean - p.clip * dev), mean + p.clip * dev)
  l.dev[slot] = round4(dev + a * (Math.min(Math.abs(x - mean), p.clip * dev) - dev))
  l.mean[slot] = round4(mean + a * (clipped - mean))
  l.n[slot] = Math.min(n + 1, 250)
}

/** What a slot has learned: undefined until it has seen `minValues`. */
export function levelOf(
  l: Level,
  slot: number,
  minValues: number,
  floor: number,
): { mean: number; dev: number } | undefined {
  if (l.n[slot]! < minValues) return undefined
  return { mean: l.mean[slot]!, dev: Math.max(l.dev[slot]!, floor) }
}

/**
 * The typical deviation of a meter's slots from `from` to `to` (their median): how much it varies
 * is mostly the meter's own (compressors swing at every hour), and a slot that has seen only a few
 * values may by chance have seen them alike.
 */
export function typicalDeviation(l: Level, from: number, to: number, minValues: number): number | undefined {
  const devs: number[] = []
  for (let i = from; i < to; i++) if (l.n[i]! >= minValues) devs.push(l.dev[i]!)
  if (devs.length === 0) return undefined
  devs.sort((a, b) => a - b)
  return devs[devs.length >> 1]
}

export interface Envelope {
  /** The normal high per slot. */
  top: number[]
  /** A new high seen once, waiting to come back: its level and local day (0: none). */
  candidate: number[]
  candidateDay: number[]
}

export const newEnvelope = (): Envelope => ({
  top: new Array<number>(SLOTS).fill(0),
  candidate: new Array<number>(SLOTS).fill(0),
  candidateDay: new Array<number>(SLOTS).fill(0),
})

export interface EnvelopeParams {
  /**
   * The normal high keeps this share of itself each time the slot is seen without reaching it:
   * use that stops fades, while a slot not seen at all (a dormitory in the holidays) keeps its high.
   */
  decay: number
  /** A high within this factor of the normal one is normal (and learned at once). */
  tolerance: number
  /** A new high becomes normal when it comes back within this many days, within ± `similar` of the first. */
  recurWithinDays: number
  similar: number
  /** Highs up to this are always normal (below anything the rule could alert on). */
  floor: number
}

/**
 * Learns the high `x` a slot reached on local day `day`. Above the normal high it waits as a
 * candidate. When a similar high comes back on another day of the same week, it is daily use and
 * becomes normal for every day (the lower of the two); when it comes back on the same weekday a
 * week or two later, it is weekly use (Sunday's dinner for returning boarders, Monday's
 * departures) and stays normal for that weekday while it keeps coming back.
 */
export function learnEnvelope(e: Envelope, slot: number, day: number, x: number, p: EnvelopeParams): void {
  const top = e.top[slot]!
  if (x <= Math.max(top * p.tolerance, p.floor)) {
    e.top[slot] = round4(Math.max(top * p.decay, x))
    return
  }
  const c = e.candidate[slot]!
  const cDay = e.candidateDay[slot]!
  const gap = day - cDay
  if (c > 0 && gap > 0 && gap <= p.recurWithinDays && Math.abs(x - c) <= p.similar * Math.max(x, c)) {
    if (gap < 7) e.top[slot] = round4(Math.max(top, Math.min(x, c)))
    e.candidate[slot] = round4(Math.max(x, c))
    e.candidateDay[slot] = day
    return
  }
  // A higher one replaces the candidate, and so does any once the candidate is too old to come back.
  if (c === 0 || x > c || gap > p.recurWithinDays) {
    e.candidate[slot] = round4(x)
    e.candidateDay[slot] = day
  }
}

/**
 * Values seen during a run the rule finds out of the ordinary (flow that never stops while the
 * building is empty, demand above normal) are held back: learned when the run ends within the
 * longest normal use lasts (a shower evening, a dinner prepared for returning boarders), never
 * when it goes on longer (a burst, a tap left running, lights left on all weekend) — not even its
 * beginning.
 */
export interface Held {
  /** [slot, day, value, …] of the run under way. */
  held?: number[]
  /** The run under way has lasted too long: nothing of it is learned. */
  overflow?: boolean
}

export function learnOrHold(
  h: Held,
  run: { since?: number | undefined; now: number; longestMs: number },
  slot: number,
  day: number,
  x: number,
  learn: (slot: number, day: number, x: number) => void,
): void {
  if (run.since !== undefined) {
    if (run.now - run.since > run.longestMs) {
      delete h.held
      h.overflow = true
    } else if (!h.overflow) {
      h.held ??= []
      h.held.push(slot, day, round4(x))
    }
    return
  }
  const held = h.held
  if (held && !h.overflow)
    for (let i = 0; i < held.length; i += 3) learn(held[i]!, held[i + 1]!, held[i + 2]!)
  delete h.held
  delete h.overflow
  learn(slot, day, x)
}

/**
 * The normal high of some slots on local day `day` (an hour and the hours either side, each in the
 * occupancy state it is in: use drifts, across the moment the building fills or empties too),
 * counting a candidate seen on the same weekday one or two weeks before (weekly use is normal the
 * second time) or the day before (daily use, until it is learned as the normal high that evening).
 */
export function envelopeOf(
  e: Envelope,
  slots: readonly number[],
  day: number,
  recurWithinDays: number,
): number {
  let high = 0
  for (const i of slots) {
    high = Math.max(high, e.top[i]!)
    const gap = day - e.candidateDay[i]!
    if (e.candidateDay[i]! > 0 && gap > 0 && gap <= recurWithinDays && (gap === 1 || gap % 7 === 0))
      high = Math.max(high, e.candidate[i]!)
  }
  return high
}

/** What a rule keeps to learn a water meter's hourly flow: the hour being measured and the envelope. */
export interface HourlyFlow extends Held {
  /** The hour being measured: its local index (hours since the epoch, local) and litres so far. */
  hour?: number
  litres?: number
  /** The highest hourly mean flow, L/min, the meter normally reaches per hour of the day and occupancy. */
  normal?: Envelope
}

export const FLOW_LEARNING = { decay: 0.97, tolerance: 1.2, recurWithinDays: 14, similar: 0.5 } as const
/** A shower evening, a kitchen fill, the grounds watered: normal use runs three hours at most. */
export const LONGEST_NORMAL_RUN_MS = 3 * HOUR

/**
 * Adds a reading's litres to the hour being measured; when the hour completes, its mean flow is
 * learned as that hour's high in its occupancy state (`learnEnvelope`: highs up to `floor` at once,
 * a higher one once it comes back on another day) — held back while the rule's run of unusual
 * flow (`runSince`) goes on, and dropped if that lasts longer than normal use.
 */
export function learnHourlyFlow(
  s: HourlyFlow,
  ts: number,
  used: number | undefined,
  usedFrom: number | undefined,
  local: { offsetMinutes: number; day: number },
  occupiedAt: (ms: number) => boolean,
  floor: number,
  runSince: number | undefined,
): void {
  const offset = local.offsetMinutes * 60_000
  const hour = Math.floor((ts + offset) / HOUR)
  let next = 0
  if (used !== undefined && usedFrom !== undefined) {
    spread(usedFrom, ts, used, HOUR, offset, (h, litres) => {
      if (h === s.hour) s.litres = (s.litres ?? 0) + litres
      else if (h === hour) next += litres
    })
  }
  if (s.hour !== undefined && hour <= s.hour) return
  if (s.hour !== undefined && s.litres !== undefined && hour === s.hour + 1) {
    const start = s.hour * HOUR - offset
    const slot = slotOf(((s.hour % 24) + 24) % 24, occupiedAt(start + HOUR / 2))
    s.normal ??= newEnvelope()
    const normal = s.normal
    learnOrHold(
      s,
      { since: runSince, now: ts, longestMs: LONGEST_NORMAL_RUN_MS },
      slot,
      local.day,
      s.litres / 60,
      (sl, d, x) => learnEnvelope(normal, sl, d, x, { ...FLOW_LEARNING, floor }),
    )
  }
  s.hour = hour
  s.litres = next
}

/**
 * The meter's normal hourly high around instant `ts`, L/min (0 before anything is learned): its hour
 * and the hours either side, each in the occupancy state it was in.
 */
export function usualFlow(
  s: HourlyFlow,
  ts: number,
  local: { offsetMinutes: number; day: number },
  occupiedAt: (ms: number) => boolean,
): number {
  if (!s.normal) return 0
  const offset = local.offsetMinutes * 60_000
  const hour = Math.floor((ts + offset) / HOUR)
  const slots: number[] = []
  for (let h = hour - 1; h <= hour + 1; h++)
    slots.push(slotOf(((h % 24) + 24) % 24, occupiedAt(h * HOUR - offset + HOUR / 2)))
  return envelopeOf(s.normal, slots, local.day, FLOW_LEARNING.recurWithinDays)
}
