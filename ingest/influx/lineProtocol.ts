/**
 * InfluxDB line protocol for the schema of CONTRACT.md. The measurement-and-tags prefix of each
 * meter is built once; a reading then costs one string concatenation per field.
 */
import type { Alert } from '../../core/alert.js'
import { KINDS } from '../../core/kinds.js'
import type { Reading } from '../../core/reading.js'
import type { Meter } from '../../core/registry.js'

const escapeTag = (s: string): string => s.replace(/[,= \\]/g, (c) => `\\${c}`)
const escapeMeasurement = (s: string): string => s.replace(/[, \\]/g, (c) => `\\${c}`)
export const escapeStringField = (s: string): string => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`

/** `measurement,tag=value,…` with tags sorted by key, as InfluxDB stores them. */
export function seriesKey(measurement: string, tags: Record<string, string | undefined>): string {
  let out = escapeMeasurement(measurement)
  for (const k of Object.keys(tags).sort()) {
    const v = tags[k]
    if (v !== undefined && v !== '') out += `,${k}=${escapeTag(v)}`
  }
  return out
}

export function meterSeriesKey(meter: Meter): string {
  return seriesKey(meter.kind, {
    school: meter.school.id,
    building: meter.building.id,
    meter: meter.id,
    space: meter.space?.id,
  })
}

/** A number as a line-protocol float field (never an integer: a type change would reject writes). */
const num = (v: number): string => String(v)

export function readingLine(series: string, r: Reading): string {
  const spec = KINDS[r.meter.kind]
  let fields = ''
  for (const f of spec.fields) {
    const v = r.values[f]
    if (v !== undefined) fields += `${fields ? ',' : ''}${f}=${num(v)}`
  }
  if (r.used !== undefined && spec.used) fields += `,${spec.used.field}=${num(r.used)}`
  if (r.estimated) fields += ',estimated=true'
  return `${series} ${fields} ${r.ts}`
}

/** Rewrites the consumption of an earlier point after an out-of-order reading was slotted in before it. */
export function usedLine(series: string, meter: Meter, ts: number, used: number): string | undefined {
  const spec = KINDS[meter.kind].used
  return spec ? `${series} ${spec.field}=${num(used)} ${ts}` : undefined
}

/** An alert transition for the `alerts` measurement: tags name where and what, fields carry the rest. */
export function alertLine(a: Alert, transition: string, at: number): string {
  const series = seriesKey('alerts', {
    school: a.school,
    building: a.building,
    meter: a.meter,
    rule: a.rule,
    severity: a.severity,
  })
  return `${series} status=${escapeStringField(a.status)},transition=${escapeStringField(transition)},message=${escapeStringField(a.message)},id=${a.id} ${at}`
}

/** One meter-hour of consumption for `usage_hourly`, split by occupancy (two points). */
export function usageHourLines(meter: Meter, hour: number, used: number, usedUnoccupied: number): string[] {
  let keys = usageSeries.get(meter)
  if (!keys) {
    const tags = {
      school: meter.school.id,
      building: meter.building.id,
      meter: meter.id,
      utility: meter.kind,
    }
    keys = [
      seriesKey('usage_hourly', { ...tags, occupied: 'true' }),
      seriesKey('usage_hourly', { ...tags, occupied: 'false' }),
    ]
    usageSeries.set(meter, keys)
  }
  return [
    `${keys[0]} used=${num(used - usedUnoccupied)} ${hour}`,
    `${keys[1]} used=${num(usedUnoccupied)} ${hour}`,
  ]
}

/** Each meter's two `usage_hourly` series keys: a rollup flush writes thousands of meter-hours at once. */
const usageSeries = new WeakMap<Meter, [occupied: string, unoccupied: string]>()

/** A monthly report row for `monthly_report`, at the start of its month. */
export function monthlyReportLine(row: { school: string; utility: string }, monthStart: number): string {
  const fields: string[] = []
  for (const [k, v] of Object.entries(row as Record<string, unknown>)) {
    if (k === 'school' || k === 'utility' || k === 'month') continue
    if (typeof v === 'number' && Number.isFinite(v)) fields.push(`${k}=${num(v)}`)
    else if (typeof v === 'boolean') fields.push(`${k}=${v}`)
    else if (typeof v === 'string') fields.push(`${k}=${escapeStringField(v)}`)
    else if (Array.isArray(v) && v.length > 0) fields.push(`${k}=${escapeStringField(v.join(','))}`)
  }
  return `${seriesKey('monthly_report', { school: row.school, utility: row.utility })} ${fields.join(',')} ${monthStart}`
}
