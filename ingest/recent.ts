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

/** A meter's buckets wanted over [from, to). */
export interface RateWindow {
  meterId: string
  from: number
  to: number
}

/**
 * Where the API and web app read meters' recent rates: this process's memory; on a sharded worker
 * on PostgreSQL, that for its own meters and what their owners share for other shards' meters
 * (ingest/shard/live.ts).
 */
export interface RateSource {
  /** The end of a meter's newest bucket (event time), when it has one. */
  newest(meterId: string): number | undefined
  /** Each window's buckets, oldest first, by meter id. */
  windows(list: readonly RateWindow[]): Promise<Map<string, RatePoint[]>>
}

export class RecentReadings implements RateSource {
  private readonly rings = new Map<string, Ring>()
  private off: (() => void) | undefined
  /** While tracked: each meter whose buckets changed, with its oldest changed bucket number. */
  private changed: Map<string, number> | undefined

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
    if (this.changed) {
      const from = this.changed.get(r.meter.id)
      if (from === undefined || bucket < from) this.changed.set(r.meter.id, bucket)
    }
  }

  /** From now on, remember which meters' buckets change (for `takeChanged`). */
  trackChanges(): void {
    this.changed ??= new Map()
  }

  /**
   * The buckets that changed since the last call, by meter; given back through `restoreChanged`
   * when they could not be passed on.
   */
  takeChanged(): Map<string, RatePoint[]> {
    const out = new Map<string, RatePoint[]>()
    if (!this.changed) return out
    for (const [id, from] of this.changed)
      out.set(id, this.series(id, from * BUCKET_MS, Number.POSITIVE_INFINITY))
    this.changed.clear()
    return out
  }

  /** Marks buckets taken by `takeChanged` as changed again. */
  restoreChanged(taken: Map<string, RatePoint[]>): void {
    if (!this.changed) return
    for (const [id, points] of taken) {
      const first = points[0]
      if (!first) continue
      const bucket = Math.floor(first.ts / BUCKET_MS)
      const from = this.changed.get(id)
      if (from === undefined || bucket < from) this.changed.set(id, bucket)
    }
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

  async windows(list: readonly RateWindow[]): Promise<Map<string, RatePoint[]>> {
    return new Map(list.map((w) => [w.meterId, this.series(w.meterId, w.from, w.to)]))
  }
}
