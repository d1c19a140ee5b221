/** Topic grammar of CONTRACT.md: `schools/{school}/meters/{meter}` and `schools/{school}/gateways/{gateway}`. */
import { DEVICE_ID, SCHOOL_ID } from '../core/config/schema.js'
import { type Message, msg } from '../core/i18n/index.js'

const schoolId = new RegExp(SCHOOL_ID)
const deviceId = new RegExp(DEVICE_ID)

export type ReadingTopic =
  | { kind: 'meter'; school: string; meter: string }
  | { kind: 'gateway'; school: string; gateway: string }

export type TopicMatch = ReadingTopic | { kind: 'ignore' } | { kind: 'bad'; school?: string; detail: Message }

/** Topics the service publishes itself; consuming them would loop. */
const OUTBOUND = new Set(['rejected', 'alerts'])
const IGNORE: TopicMatch = Object.freeze({ kind: 'ignore' })

/**
 * Reading topics seen before: a meter publishes on the same topic all its life, so parsing and
 * checking it once is enough (profiling showed split + two regular expressions per message).
 * Bounded: cleared when full, so a flood of made-up topics cannot grow it.
 */
const seen = new Map<string, ReadingTopic>()
const SEEN_MAX = 250_000

/**
 * Classifies a topic: a reading topic, one to ignore (outside `schools/`, or our own output),
 * or a malformed one under `schools/` — most likely a gateway misconfiguration worth reporting.
 * Reading topics are returned frozen and shared: do not modify them.
 */
export function matchTopic(topic: string): TopicMatch {
  const known = seen.get(topic)
  if (known) return known
  if (!topic.startsWith('schools/')) return IGNORE
  const m = parse(topic)
  if (m.kind === 'meter' || m.kind === 'gateway') {
    if (seen.size >= SEEN_MAX) seen.clear()
    seen.set(topic, Object.freeze(m))
  }
  return m
}

function parse(topic: string): TopicMatch {
  const parts = topic.split('/')
  const school = parts[1] ?? ''
  const goodSchool = schoolId.test(school)
  if (parts.length === 3 && OUTBOUND.has(parts[2]!)) return IGNORE
  if (!goodSchool) {
    return { kind: 'bad', detail: msg('ingest.topic.badSchool', { school: school.slice(0, 80) }) }
  }
  if (parts.length !== 4 || (parts[2] !== 'meters' && parts[2] !== 'gateways')) {
    return {
      kind: 'bad',
      school,
      detail: msg('ingest.topic.shape'),
    }
  }
  const id = parts[3]!
  if (!deviceId.test(id)) {
    return {
      kind: 'bad',
      school,
      detail: msg('ingest.topic.badDevice', { part: parts[2], id: id.slice(0, 80) }),
    }
  }
  return parts[2] === 'meters'
    ? { kind: 'meter', school, meter: id }
    : { kind: 'gateway', school, gateway: id }
}
