/**
 * Topic + payload → readings, or rejections with a reason from the contract. Pure: no I/O, no
 * clock of its own (the arrival time comes in), so every branch is a plain unit test.
 */
import { expectation } from '../core/config/load.js'
import { type Message, msg } from '../core/i18n/index.js'
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

/** The start of a value's JSON for a message; JSON.stringify overflows the stack on deep nesting. */
function preview(v: unknown): string | Message {
  try {
    return JSON.stringify(v)?.slice(0, 60) ?? String(v)
  } catch {
    return msg('ingest.reject.tooDeep')
  }
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
  // Rejections are built by plain functions, not closures: a closure per message showed in
  // profiles (and tsx wraps each one in a naming helper).
  if (match.kind === 'bad')
    return rejectMessage(out, topic, payload, receivedAt, 'bad_topic', match.detail, match.school)

  const school = registry.schools.get(match.school)
  if (!school)
    return rejectMessage(
      out,
      topic,
      payload,
      receivedAt,
      'unknown_school',
      msg('ingest.reject.unknownSchool', { school: match.school }),
      match.school,
    )

  let topicMeter: Meter | undefined
  if (match.kind === 'meter') {
    topicMeter = school.meters.get(match.meter)
    if (!topicMeter) {
      return rejectMessage(
        out,
        topic,
        payload,
        receivedAt,
        'unknown_meter',
        msg('ingest.reject.unknownMeter', { meter: match.meter, school: school.id }),
        school.id,
        match.meter,
      )
    }
  }
  const meterId = topicMeter?.id
  if (payload.length > limits.maxPayloadBytes) {
    return rejectMessage(
      out,
      topic,
      payload,
      receivedAt,
      'too_large',
      msg('ingest.reject.payloadTooLarge', { bytes: payload.length, limit: limits.maxPayloadBytes }),
      school.id,
      meterId,
    )
  }
  let body: unknown
  try {
    body = JSON.parse(payload.toString('utf8'))
  } catch (err) {
    return rejectMessage(
      out,
      topic,
      payload,
      receivedAt,
      'bad_json',
      msg('ingest.reject.badJson', { detail: (err as Error).message.slice(0, 200) }),
      school.id,
      meterId,
    )
  }

  if (Array.isArray(body)) {
    if (body.length > limits.maxBatchReadings) {
      return rejectMessage(
        out,
        topic,
        payload,
        receivedAt,
        'too_large',
        msg('ingest.reject.batchTooLarge', { readings: body.length, limit: limits.maxBatchReadings }),
        school.id,
        meterId,
      )
    }
    if (body.length === 0)
      return rejectMessage(
        out,
        topic,
        payload,
        receivedAt,
        'bad_schema',
        msg('ingest.reject.emptyBatch'),
        school.id,
        meterId,
      )
    for (let i = 0; i < body.length; i++) {
      collect(decodeReading(body[i], i, school, topicMeter, topic, receivedAt, limits), out)
    }
  } else if (match.kind === 'gateway') {
    return rejectMessage(
      out,
      topic,
      payload,
      receivedAt,
      'bad_schema',
      msg('ingest.reject.gatewayNeedsArray'),
      school.id,
      meterId,
    )
  } else {
    collect(decodeReading(body, undefined, school, topicMeter, topic, receivedAt, limits), out)
  }
  return out
}

/** A rejection of the whole message, added to `out`. */
function rejectMessage(
  out: Decoded,
  topic: string,
  payload: Buffer,
  receivedAt: number,
  reason: RejectReason,
  detail: Message,
  school?: string,
  meter?: string,
): Decoded {
  out.rejections.push({
    topic,
    reason,
    detail,
    receivedAt,
    payload: cut(payload.subarray(0, PAYLOAD_CUT).toString('utf8')),
    ...(school ? { school } : {}),
    ...(meter ? { meter } : {}),
  })
  return out
}

/** A rejection of one reading (of a batch, when `index` is set). */
function rejectReading(
  item: unknown,
  index: number | undefined,
  school: School,
  topicMeter: Meter | undefined,
  topic: string,
  receivedAt: number,
  reason: RejectReason,
  detail: Message,
  meter?: string,
): Rejection {
  let payload: string
  try {
    payload = cut(JSON.stringify(item) ?? String(item))
  } catch {
    // Too deeply nested to print: the detail says so.
    payload = ''
  }
  const who = meter ?? topicMeter?.id
  return {
    topic,
    reason,
    detail,
    receivedAt,
    school: school.id,
    ...(who ? { meter: who } : {}),
    ...(index !== undefined ? { index } : {}),
    payload,
  }
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
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return rejectReading(
      item,
      index,
      school,
      topicMeter,
      topic,
      receivedAt,
      'bad_schema',
      msg('ingest.reject.notObject'),
    )
  }
  if (!checkReadingPayload.Check(item)) {
    const first = checkReadingPayload.Errors(item)[0]
    const field = first?.instancePath.slice(1) || 'reading'
    const got = (item as Record<string, unknown>)[field]
    // Only a non-finite number (1e999 in the JSON) is implausible; `"meter": 42` is a wrong type.
    if (typeof got === 'number' && !Number.isFinite(got))
      return rejectReading(
        item,
        index,
        school,
        topicMeter,
        topic,
        receivedAt,
        field === 'ts' ? 'bad_timestamp' : 'implausible_value',
        msg('ingest.reject.notFinite', { field, value: String(got) }),
      )
    return rejectReading(
      item,
      index,
      school,
      topicMeter,
      topic,
      receivedAt,
      'bad_schema',
      msg('ingest.reject.field', {
        field,
        missing: got === undefined,
        value: got === undefined ? '' : preview(got),
        expected: first ? expectation(first) : msg('ingest.reject.valid'),
      }),
    )
  }
  const r = item as { ts: string | number; meter?: string; estimated?: boolean } & Record<string, unknown>

  let meter = topicMeter
  if (topicMeter) {
    if (r.meter !== undefined && r.meter !== topicMeter.id) {
      return rejectReading(
        item,
        index,
        school,
        topicMeter,
        topic,
        receivedAt,
        'bad_schema',
        msg('ingest.reject.otherMeter', { meter: String(r.meter), topic }),
      )
    }
  } else {
    if (r.meter === undefined)
      return rejectReading(
        item,
        index,
        school,
        topicMeter,
        topic,
        receivedAt,
        'bad_schema',
        msg('ingest.reject.meterNeeded'),
      )
    meter = school.meters.get(r.meter)
    if (!meter)
      return rejectReading(
        item,
        index,
        school,
        topicMeter,
        topic,
        receivedAt,
        'unknown_meter',
        msg('ingest.reject.unknownMeter', { meter: r.meter, school: school.id }),
        r.meter,
      )
  }
  const m = meter!

  const ts = parseTimestamp(r.ts)
  if (typeof ts !== 'number')
    return rejectReading(item, index, school, topicMeter, topic, receivedAt, 'bad_timestamp', ts, m.id)
  if (ts > receivedAt + limits.maxFutureMs) {
    return rejectReading(
      item,
      index,
      school,
      topicMeter,
      topic,
      receivedAt,
      'bad_timestamp',
      msg('ingest.reject.future', { seconds: Math.round((ts - receivedAt) / 1000) }),
      m.id,
    )
  }

  const spec = KINDS[m.kind]
  const values: ReadingValues = {}
  let found = 0
  const fields = spec.fields
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!
    const v = r[f] as number | undefined
    if (v === undefined) continue
    const range = FIELD_RANGES[f]
    if (!Number.isFinite(v) || v < range[0] || v > range[1]) {
      return rejectReading(
        item,
        index,
        school,
        topicMeter,
        topic,
        receivedAt,
        'implausible_value',
        msg('ingest.reject.outOfRange', {
          field: f,
          value: String(v),
          min: String(range[0]),
          max: String(range[1]),
        }),
        m.id,
      )
    }
    values[f] = v
    found++
  }
  if (found === 0) {
    const foreign = READING_FIELDS.filter((f) => r[f] !== undefined)
    if (foreign.length > 0) {
      return rejectReading(
        item,
        index,
        school,
        topicMeter,
        topic,
        receivedAt,
        'wrong_kind_fields',
        msg('ingest.reject.wrongKind', {
          meter: m.id,
          kind: m.kind,
          fields: [...spec.fields],
          got: foreign.map((f) => `${f} (${FIELD_KINDS[f].join('/')})`),
        }),
        m.id,
      )
    }
    return rejectReading(
      item,
      index,
      school,
      topicMeter,
      topic,
      receivedAt,
      'bad_schema',
      msg('ingest.reject.noMeasurement', { kind: m.kind, fields: [...spec.fields] }),
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
export function parseTimestamp(ts: string | number): number | Message {
  if (typeof ts === 'number') {
    if (!Number.isFinite(ts)) return msg('ingest.ts.notFinite')
    if (ts < EARLIEST_TS) {
      return ts > 0 && ts < 1e11
        ? msg('ingest.ts.seconds', { ts: String(ts) })
        : msg('ingest.ts.before2000', { ts: String(ts) })
    }
    return Math.floor(ts)
  }
  if (!ISO_WITH_OFFSET.test(ts)) return msg('ingest.ts.notIso', { ts: ts.slice(0, 40) })
  const normalised = ts.length > 5 && /[+-]\d{4}$/.test(ts) ? `${ts.slice(0, -2)}:${ts.slice(-2)}` : ts
  const ms = Date.parse(normalised)
  if (Number.isNaN(ms)) return msg('ingest.ts.notReal', { ts: ts.slice(0, 40) })
  // Date.parse rolls a day the month does not have (2025-02-30) over into the next month.
  const day = Number(ts.slice(8, 10))
  if (day > 28 && day > new Date(Date.UTC(Number(ts.slice(0, 4)), Number(ts.slice(5, 7)), 0)).getUTCDate())
    return msg('ingest.ts.notReal', { ts: ts.slice(0, 40) })
  if (ms < EARLIEST_TS) return msg('ingest.ts.before2000', { ts })
  return ms
}
