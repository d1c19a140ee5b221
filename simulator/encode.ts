/**
 * Simulated readings → MQTT messages, as CONTRACT.md describes them: one reading per message on
 * `schools/{school}/meters/{meter}`, or batches on `schools/{school}/gateways/gw-{building}`.
 * Timestamps are ISO-8601 with the school's offset, as a gateway on a school network sends them.
 */
import type { SchoolCalendar } from '../core/calendar.js'
import type { RejectReason } from '../core/reading.js'
import type { SimOutput } from './engine.js'

export interface SimMessage {
  topic: string
  payload: string
  /** Readings carried (duplicates included); 0 for a malformed message. */
  readings: number
  /** For a malformed message: the rejection it should earn. */
  expectedRejection?: RejectReason
}

export interface EncodeOptions {
  /** Batch readings per building gateway (default: one message per reading). */
  gateway?: boolean
  /** Most readings in one gateway message. */
  batchSize?: number
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

/** The minute part of the last timestamp formatted ("YYYY-MM-DDTHH:MM:"), and its offset: readings share minutes. */
let lastMinute = Number.NaN
let lastOffset = Number.NaN
let lastHead = ''
let lastTail = ''

/** ISO-8601 with an offset, seconds precision unless there are milliseconds. */
export function isoWithOffset(ms: number, offsetMinutes: number): string {
  const local = ms + offsetMinutes * 60_000
  const minute = Math.floor(local / 60_000)
  if (minute !== lastMinute || offsetMinutes !== lastOffset) {
    const d = new Date(minute * 60_000)
    const off = Math.abs(offsetMinutes)
    lastHead = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:`
    lastTail = `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(off / 60))}:${pad(off % 60)}`
    lastMinute = minute
    lastOffset = offsetMinutes
  }
  const inMinute = local - minute * 60_000
  const millis = inMinute % 1000
  return `${lastHead}${pad(Math.floor(inMinute / 1000))}${millis ? `.${pad(millis, 3)}` : ''}${lastTail}`
}

/** Sent readings per meter, for checking what arrived: duplicates counted apart. */
export class SentStats {
  messages = 0
  readings = 0
  duplicates = 0
  readonly perMeter = new Map<string, number>()
  readonly malformed = new Map<RejectReason, number>()

  add(o: SimOutput): void {
    if (o.kind === 'raw') {
      this.malformed.set(o.reason, (this.malformed.get(o.reason) ?? 0) + 1)
      return
    }
    this.readings++
    if (o.duplicate) this.duplicates++
    else this.perMeter.set(o.meter.id, (this.perMeter.get(o.meter.id) ?? 0) + 1)
  }

  toJSON() {
    return {
      messages: this.messages,
      readings: this.readings,
      duplicates: this.duplicates,
      meters: this.perMeter.size,
      malformed: Object.fromEntries(this.malformed),
    }
  }
}

export function encode(
  outputs: SimOutput[],
  calendarOf: (school: string) => SchoolCalendar,
  o: EncodeOptions = {},
  stats?: SentStats,
): SimMessage[] {
  const messages: SimMessage[] = []
  const batchSize = o.batchSize ?? 100
  const batches = new Map<string, string[]>()
  const flush = (topic: string) => {
    const items = batches.get(topic)
    if (!items?.length) return
    messages.push({ topic, payload: `[${items.join(',')}]`, readings: items.length })
    batches.set(topic, [])
  }
  for (const out of outputs) {
    stats?.add(out)
    if (out.kind === 'raw') {
      messages.push({ topic: out.topic, payload: out.payload, readings: 0, expectedRejection: out.reason })
      continue
    }
    const meter = out.meter
    const cal = calendarOf(meter.school.id)
    let body = `"ts":"${isoWithOffset(out.ts, cal.offset(out.ts))}"`
    for (const [k, v] of Object.entries(out.values)) body += `,"${k}":${v}`
    if (o.gateway) {
      const topic = `schools/${meter.school.id}/gateways/gw-${meter.building.id}`
      let items = batches.get(topic)
      if (!items) {
        items = []
        batches.set(topic, items)
      }
      items.push(`{"meter":"${meter.id}",${body}}`)
      if (items.length >= batchSize) flush(topic)
    } else {
      messages.push({
        topic: `schools/${meter.school.id}/meters/${meter.id}`,
        payload: `{${body}}`,
        readings: 1,
      })
    }
  }
  for (const topic of batches.keys()) flush(topic)
  if (stats) stats.messages += messages.length
  return messages
}
