/**
 * Topic + payload → readings, or rejections with a reason from the contract. Pure: no I/O, no
 * clock of its own (the arrival time comes in), so every branch is a plain unit test.
 */
import { FIELD_KINDS, FIELD_RANGES, KINDS, READING_FIELDS, type ReadingValues } from '../core/kinds.js'
import type { Reading, Rejection, RejectReason } from '../core/reading.js'
import type { Meter, Registry, School } from '../core/registry.js'
import { checkReadingPayload } from './payload.js'
import { matchTopic } from './topics.js'

export interface DecodeLimits {
  maxPayloadBytes: number
  maxBatchReadings: number
  /** How far ahead of the arrival time a timestamp may be, ms (CONTRACT.md: 5 minutes). */
  maxFutureMs: number
}

export const DEFAULT_LIMITS: DecodeLimits = {
  maxPayloadBytes: 256 * 1024,
  maxBatchReadings: 10_000,
  maxFutureMs: 5 * 60_000,
}

export interface Decoded {
  readings: Reading[]
  rejections: Rejection[]
  /** True when the topic is not ours to consume (outside `schools/`, or our own output). */
  ignored: boolean
}

const PAYLOAD_CUT = 1024
/** Epoch-ms timestamps before this are almost always epoch seconds sent by mistake. */
const EARLIEST_TS = Date.UTC(2000, 0, 1)
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/

function cut(s: string): string {
  return s.length > PAYLOAD_CUT ? s.slice(0, PAYLOAD_CUT) : s
}

export function decodeMessage(
  topic: string,
  payload: Buffer,
  receivedAt: number,
  registry: Registry,
  limits: DecodeLimits = DEFAULT_LIMITS,
): Decoded {
  const out: Decoded = { readings: [], rejections: [], ignored: false }
  const match = matchTopic(topic)
  if (match.kind === 'ignore') {
    out.ignored = true
    return out
  }
  const reject = (reason: RejectReason, detail: string, extra: Partial<Rejection> = {}): Decoded => {
    out.rejections.push({
      topic,
      reason,
      detail,
      receivedAt,
      payload: cut(payload.subarray(0, PAYLOAD_CUT).toString('utf8')),
      ...extra,
    })
    return out
  }
  if (match.kind === 'bad')
    return reject('bad_topic', match.detail, match.school ? { school: match.school } : {})

  const school = registry.schools.get(match.school)
  if (!school)
    return reject('unknown_school', `school "${match.school}" is not in the registry`, {
      school: match.school,
    })

  let topicMeter: Meter | undefined
  if (match.kind === 'meter') {
    topicMeter = school.meters.get(match.meter)
    if (!topicMeter) {
      return reject('unknown_meter', `meter "${match.meter}" is not registered at school ${school.id}`, {
        school: school.id,
        meter: match.meter,
      })
    }
  }
  const where = { school: school.id, ...(topicMeter ? { meter: topicMeter.id } : {}) }
  if (payload.length > limits.maxPayloadBytes) {
    return reject('too_large', `payload of ${payload.length} bytes exceeds ${limits.maxPayloadBytes}`, where)
  }
  let body: unknown
  try {
    body = JSON.parse(payload.toString('utf8'))
  } catch (err) {
    return reject('bad_json', (err as Error).message.slice(0, 200), where)
  }

  if (Array.isArray(body)) {
    if (body.length > limits.maxBatchReadings) {
      return reject('too_large', `batch of ${body.length} readings exceeds ${limits.maxBatchReadings}`, where)
    }
    if (body.length === 0) return reject('bad_schema', 'empty array: no readings', where)
    for (let i = 0; i < body.length; i++) {
      collect(decodeReading(body[i], i, school, topicMeter, topic, receivedAt, limits), out)
    }
  } else if (match.kind === 'gateway') {
    return reject(
      'bad_schema',
      'a gateway topic takes a JSON array of readings, each with a "meter" field',
      where,
    )
  } else {
    collect(decodeReading(body, undefined, school, topicMeter, topic, receivedAt, limits), out)
  }
  return out
}

function decodeReading(
  item: unknown,
  index: number | undefined,
  school: School,
  topicMeter: Meter | undefined,
  topic: string,
  receivedAt: number,
  limits: DecodeLimits,
): Reading | Rejection {
  const reject = (reason: RejectReason, detail: string, meter?: string): Rejection => {
    let payload: string
    try {
      payload = cut(JSON.stringify(item) ?? String(item))
    } catch {
      payload = '(too deeply nested to print)'
    }
    return {
      topic,
      reason,
      detail,
      receivedAt,
      school: school.id,
      ...((meter ?? topicMeter?.id) ? { meter: meter ?? topicMeter?.id } : {}),
      ...(index !== undefined ? { index } : {}),
      payload,
    }
  }

  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return reject('bad_schema', 'a reading must be a JSON object')
  }
  if (!checkReadingPayload.Check(item)) {
    const first = checkReadingPayload.Errors(item)[0]
    const field = first?.instancePath.slice(1) || 'reading'
    const got = (item as Record<string, unknown>)[field]
    if (typeof got === 'number') return reject('implausible_value', `${field}=${got} is not a finite number`)
    return reject(
      'bad_schema',
      `${field} ${first?.message ?? 'is invalid'}${got === undefined ? '' : `, got ${JSON.stringify(got)?.slice(0, 60)}`}`,
    )
  }
  const r = item as { ts: string | number; meter?: string; estimated?: boolean } & Record<string, unknown>

  let meter = topicMeter
  if (topicMeter) {
    if (r.meter !== undefined && r.meter !== topicMeter.id) {
      return reject('bad_schema', `reading names meter "${r.meter}" but was published on ${topic}`)
    }
  } else {
    if (r.meter === undefined)
      return reject('bad_schema', 'a reading in a gateway batch needs a "meter" field')
    meter = school.meters.get(r.meter)
    if (!meter)
      return reject('unknown_meter', `meter "${r.meter}" is not registered at school ${school.id}`, r.meter)
  }
  const m = meter!

  const ts = parseTimestamp(r.ts)
  if (typeof ts === 'string') return reject('bad_timestamp', ts, m.id)
  if (ts > receivedAt + limits.maxFutureMs) {
    return reject(
      'bad_timestamp',
      `timestamp is ${Math.round((ts - receivedAt) / 1000)} s in the future (gateway clock wrong?)`,
      m.id,
    )
  }

  const spec = KINDS[m.kind]
  const values: ReadingValues = {}
  let found = 0
  for (const f of spec.fields) {
    const v = r[f] as number | undefined
    if (v === undefined) continue
    const [min, max] = FIELD_RANGES[f]
    if (!Number.isFinite(v) || v < min || v > max) {
      return reject('implausible_value', `${f}=${v} is outside ${min}…${max}`, m.id)
    }
    values[f] = v
    found++
  }
  if (found === 0) {
    const foreign = READING_FIELDS.filter((f) => r[f] !== undefined)
    if (foreign.length > 0) {
      return reject(
        'wrong_kind_fields',
        `meter ${m.id} is a ${m.kind} meter (fields ${spec.fields.join(', ')}); got ${foreign
          .map((f) => `${f} (${FIELD_KINDS[f].join('/')})`)
          .join(', ')}`,
        m.id,
      )
    }
    return reject(
      'bad_schema',
      `no measurement: a ${m.kind} reading needs one of ${spec.fields.join(', ')}`,
      m.id,
    )
  }
  return { meter: m, ts, receivedAt, estimated: r.estimated === true, values }
}

function collect(r: Reading | Rejection, out: Decoded): void {
  if ('reason' in r) out.rejections.push(r)
  else out.readings.push(r)
}

/** Epoch ms, or a sentence saying what is wrong with the timestamp. */
export function parseTimestamp(ts: string | number): number | string {
  if (typeof ts === 'number') {
    if (!Number.isFinite(ts)) return 'ts is not a finite number'
    if (ts < EARLIEST_TS) {
      return ts > 0 && ts < 1e11
        ? `ts ${ts} looks like epoch seconds; send epoch milliseconds`
        : `ts ${ts} is before the year 2000`
    }
    return Math.floor(ts)
  }
  if (!ISO_WITH_OFFSET.test(ts)) {
    return `ts "${ts.slice(0, 40)}" is not ISO-8601 with an offset (e.g. 2026-11-26T08:00:00+08:00) or epoch ms`
  }
  const normalised = ts.length > 5 && /[+-]\d{4}$/.test(ts) ? `${ts.slice(0, -2)}:${ts.slice(-2)}` : ts
  const ms = Date.parse(normalised)
  if (Number.isNaN(ms)) return `ts "${ts.slice(0, 40)}" is not a real date and time`
  if (ms < EARLIEST_TS) return `ts "${ts}" is before the year 2000`
  return ms
}
