/**
 * The last 48 hours of each meter's rate — flow for water, power for electricity and heat,
 * temperature for sensors — in 10-minute buckets (mean and highest), kept in memory from the
 * readings on the bus. It is what the web app draws an incident's evidence and a meter's sparkline
 * from without InfluxDB; older hours come from the hourly rollups in the store. After a restart it
 * fills again from the readings that arrive (and those the journal replays).
 */
import type { Bus } from '../core/bus.js'
import type { MeterKind, ReadingField } from '../core/kinds.js'
import type { Reading } from '../core/reading.js'

export const BUCKET_MS = 10 * 60_000
export const RECENT_HOURS = 48
const SLOTS = (RECENT_HOURS * 3_600_000) / BUCKET_MS

/** The rate drawn for each kind, and how a reading that carries only its consumption gives it. */
export const RATES: Record<
  MeterKind,
  { field: ReadingField; unit: RateUnit; scale: number; perUsedMs?: number }
> = {
  // L/min; from litres used over the interval.
  water: { field: 'flow_lpm', unit: 'L/min', scale: 1, perUsedMs: 60_000 },
  // kW; from kWh used over the interval.
  electricity: { field: 'power_w', unit: 'kW', scale: 1 / 1000, perUsedMs: 3_600_000 },
  heat: { field: 'power_kw', unit: 'kW', scale: 1, perUsedMs: 3_600_000 },
  temperature: { field: 'temp_c', unit: 'degC', scale: 1 },
}
export type RateUnit = 'L/min' | 'kW' | 'degC'

export interface RatePoint {
  /** Start of the bucket, epoch ms. */
  ts: number
  mean: number
  max: number
}

/** One meter's buckets in a ring: slot i holds bucket number `epoch[i]` (ts ÷ BUCKET_MS). */
interface Ring {
  epoch: Int32Array
  sum: Float64Array
  count: Uint16Array
  max: Float32Array
  newest: number
}

function ring(): Ring {
  return {
    epoch: new Int32Array(SLOTS).fill(-1),
    sum: new Float64Array(SLOTS),
    count: new Uint16Array(SLOTS),
    max: new Float32Array(SLOTS),
    newest: -1,
  }
}

/** The rate a reading gives, in its kind's unit; undefined when it gives none. */
export function rateOf(r: Reading): number | undefined {
  const spec = RATES[r.meter.kind]
  const direct = r.values[spec.field]
  if (direct !== undefined) return direct * spec.scale
  if (spec.perUsedMs !== undefined && r.used !== undefined && r.usedFrom !== undefined && r.ts > r.usedFrom)
    return (r.used * spec.perUsedMs) / (r.ts - r.usedFrom)
  return undefined
}

export class RecentReadings {
  private readonly rings = new Map<string, Ring>()
  private off: (() => void) | undefined

  constructor(private readonly o: { bus: Bus }) {}

  start(): void {
    this.off = this.o.bus.on('reading', (r) => this.add(r))
  }

  stop(): void {
    this.off?.()
    this.off = undefined
  }

  add(r: Reading): void {
    const rate = rateOf(r)
    if (rate === undefined || !Number.isFinite(rate)) return
    let g = this.rings.get(r.meter.id)
    if (!g) {
      g = ring()
      this.rings.set(r.meter.id, g)
    }
    const bucket = Math.floor(r.ts / BUCKET_MS)
    // Older than the ring reaches behind the newest bucket: the hourly rollups have it.
    if (g.newest >= 0 && bucket <= g.newest - SLOTS) return
    const i = bucket % SLOTS
    if (g.epoch[i] !== bucket) {
      g.epoch[i] = bucket
      g.sum[i] = 0
      g.count[i] = 0
      g.max[i] = rate
    }
    g.sum[i]! += rate
    if (g.count[i]! < 65535) g.count[i]!++
    if (rate > g.max[i]!) g.max[i] = rate
    if (bucket > g.newest) g.newest = bucket
  }

  /** The buckets of a meter that start in [from, to), oldest first. */
  series(meterId: string, from: number, to: number): RatePoint[] {
    const g = this.rings.get(meterId)
    if (!g) return []
    const out: RatePoint[] = []
    const first = Math.max(Math.floor(from / BUCKET_MS), g.newest - SLOTS + 1)
    const last = Math.min(Math.ceil(to / BUCKET_MS) - 1, g.newest)
    for (let b = first; b <= last; b++) {
      const i = b % SLOTS
      if (g.epoch[i] !== b || g.count[i] === 0) continue
      out.push({ ts: b * BUCKET_MS, mean: g.sum[i]! / g.count[i]!, max: g.max[i]! })
    }
    return out
  }

  /** The end of a meter's newest bucket (event time), when it has one. */
  newest(meterId: string): number | undefined {
    const g = this.rings.get(meterId)
    return g && g.newest >= 0 ? (g.newest + 1) * BUCKET_MS : undefined
  }
}
