/**
 * Rejected readings counted by school and reason since the service started, each with its latest
 * example (meter, detail, when): the data-quality page's "why do this school's readings not
 * count". The Prometheus counter has the district's totals by reason; this has the school.
 */
import type { Bus } from '../core/bus.js'
import { type Message, render } from '../core/i18n/index.js'
import type { NotCounted, Rejection, RejectReason } from '../core/reading.js'
import type { Registry } from '../core/registry.js'
import { formatInstant } from '../core/time.js'

export interface RejectionCount {
  /** '' when the topic named no school of the registry. */
  school: string
  reason: RejectReason
  count: number
  lastAt: number
  lastMeter?: string
  lastTopic: string
  lastDetail: Message
}

/** Where the API and web app read rejections: this worker's tally, or on a sharded worker every shard's. */
export interface RejectionSource {
  /** When counting began (wall clock); the earliest of the workers counted. */
  readonly since: number
  /** Counts of one school (or all), most first. */
  list(school?: string): RejectionCount[]
}

/** Most first, then by school and reason. */
export function byCount(a: RejectionCount, b: RejectionCount): number {
  return b.count - a.count || a.school.localeCompare(b.school) || a.reason.localeCompare(b.reason)
}

export class RejectionTally implements RejectionSource {
  private readonly counts = new Map<string, RejectionCount>()
  private off: (() => void) | undefined
  /** When counting began (wall clock). */
  readonly since: number
  /** Grows with every rejection counted: whether the tally changed since it was last looked at. */
  changes = 0

  constructor(private readonly o: { bus: Bus; now?: () => number }) {
    this.since = (o.now ?? Date.now)()
  }

  start(): void {
    this.off = this.o.bus.on('rejected', (r) => this.add(r))
  }

  stop(): void {
    this.off?.()
    this.off = undefined
  }

  add(r: Rejection): void {
    this.changes++
    const school = r.school ?? ''
    const key = `${school}\u0000${r.reason}`
    const c = this.counts.get(key)
    const latest = {
      lastAt: r.receivedAt,
      lastTopic: r.topic,
      lastDetail: r.detail,
      ...(r.meter !== undefined ? { lastMeter: r.meter } : {}),
    }
    if (c) {
      c.count++
      delete c.lastMeter
      Object.assign(c, latest)
    } else this.counts.set(key, { school, reason: r.reason, count: 1, ...latest })
  }

  list(school?: string): RejectionCount[] {
    return [...this.counts.values()].filter((c) => school === undefined || c.school === school).sort(byCount)
  }
}

/**
 * A rejection as the gateway's installer reads it on `schools/{school}/rejected`: the detail in
 * the school's language (the district's for an unknown school).
 */
export function rejectionMessage(r: Rejection | NotCounted, registry: Registry): string {
  const school = r.school ? registry.schools.get(r.school) : undefined
  // Every time in the school's offset; a school that is not in the registry has the district's.
  const tz = school?.timezone ?? registry.timezone
  return JSON.stringify({
    topic: r.topic,
    reason: r.reason,
    detail: render(school?.locale ?? registry.locale, r.detail),
    receivedAt: formatInstant(r.receivedAt, tz),
    ...(r.meter ? { meter: r.meter } : {}),
    ...('index' in r && r.index !== undefined ? { index: r.index } : {}),
    payload: r.payload,
    ...('watermark' in r
      ? { latest: formatInstant(r.latest, tz), watermark: formatInstant(r.watermark, tz), stored: r.stored }
      : {}),
  })
}
