/** What flows from ingest to storage, rules and reports. */
import type { ReadingValues } from './kinds.js'
import type { Meter } from './registry.js'

export interface Reading {
  meter: Meter
  /** Event time, epoch ms. */
  ts: number
  /** Wall-clock arrival, epoch ms. */
  receivedAt: number
  /** The gateway filled a gap: stored and counted, but never raises or clears a leak alert. */
  estimated: boolean
  /** The fields of the meter's kind that the reading carried. */
  values: ReadingValues
  /** Consumption since the meter's previous counted reading, in L (water) or kWh; set by registers. */
  used?: number
  /** Start of the interval `used` covers: the previous counted reading's timestamp. */
  usedFrom?: number
  /** Arrived behind the watermark: stored, not counted into consumption. */
  late?: boolean
}

/** An earlier reading's consumption changed because an out-of-order reading was slotted in before it. */
export interface UsedRevision {
  meter: Meter
  ts: number
  usedFrom: number
  used: number
  previousUsed: number
}

/** Rejection reasons of CONTRACT.md, plus `unknown_school`. */
import type { Message } from './i18n/index.js'

export const REJECT_REASONS = [
  'bad_topic',
  'bad_json',
  'bad_schema',
  'unknown_school',
  'unknown_meter',
  'wrong_kind_fields',
  'bad_timestamp',
  'too_large',
  'implausible_value',
] as const
export type RejectReason = (typeof REJECT_REASONS)[number]

export interface Rejection {
  topic: string
  reason: RejectReason
  /** What is wrong, for the gateway's installer: rendered in the school's language when sent. */
  detail: Message
  receivedAt: number
  school?: string
  meter?: string
  /** Position in a batch, when one reading of several was rejected. */
  index?: number
  /** The offending payload or reading, cut to 1 KiB. */
  payload: string
}

/**
 * A reading taken but not counted into consumption (extension): a duplicate of one the meter
 * already has, or a late one, older than the meter's watermark (stored, without consumption). Not
 * a rejection — it is not counted in `readings_rejected_total` — but answered on the same topic,
 * so that whoever sent it sees why the meter did not move.
 */
export interface NotCounted {
  topic: string
  reason: 'duplicate' | 'late'
  detail: Message
  receivedAt: number
  school: string
  meter: string
  payload: string
  /** The meter's newest reading (event time). */
  latest: number
  /** Readings before this time are not counted. */
  watermark: number
  /** Late readings are archived (without consumption); duplicates are not. */
  stored: boolean
}

export type RegisterAnomalyType = 'rollover' | 'reset' | 'replacement' | 'implausible_jump'

/** A register event and how it was counted (RULES.md, `meter.register_anomaly`). */
export interface RegisterAnomaly {
  meter: Meter
  type: RegisterAnomalyType
  ts: number
  /** Register value before (the high-water mark) and after, in m³ or kWh. */
  previous: number
  current: number
  /** Consumption counted for the interval, in L or kWh. */
  counted: number
}
