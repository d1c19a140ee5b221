/**
 * Meters' live status and recent rates on every worker of a sharded district (SHARD with
 * DATABASE_URL). A meter's last reading and its 48 hours of rate live in the memory of its shard's
 * owner; so that any worker answers for every meter — the API's school and meter routes, the web
 * app's district, school and meter pages, an incident's evidence —, each owner shares them
 * through PostgreSQL (store/postgres/live-status.ts):
 *
 * - every `intervalMs` it pushes the statuses and rate buckets that changed since its last push,
 *   fenced by its lease (an owner that has been replaced writes nothing);
 * - and pulls what the other shards pushed since it last looked into a copy in memory, which the
 *   routes read synchronously. Rates of other shards' meters are read from PostgreSQL when asked.
 *
 * What another worker shows of a meter is at most about two intervals behind its owner. Nothing
 * here is on the readings' path: a push that fails is retried with the next one, and the changes
 * it carried are kept for it.
 */
import type { Logger } from 'pino'
import type { Metrics } from '../../core/metrics.js'
import {
  type LiveRateRow,
  type LiveRejections,
  type LiveStatusRow,
  PostgresLiveStatus,
} from '../../store/index.js'
import type { MeterStatus } from '../pipeline.js'
import {
  BUCKET_MS,
  type RatePoint,
  type RateSource,
  type RateWindow,
  RECENT_HOURS,
  type RecentReadings,
} from '../recent.js'
import { byCount, type RejectionSource, type RejectionTally } from '../rejections.js'
import { shardName } from './assign.js'
import type { ClaimedShard } from './claim.js'

const HOUR = 3_600_000

export interface SharedLiveOptions {
  /** DATABASE_URL. */
  url: string
  shard: ClaimedShard
  /** This worker's meters' status, from ingest. */
  status(meterId: string): MeterStatus | undefined
  recent: RecentReadings
  rejections: RejectionTally
  intervalMs: number
  log: Logger
  metrics?: Metrics
}

export class SharedLiveStatus implements RateSource {
  /** Other shards' meters as their owners last shared them. */
  private readonly others = new Map<string, MeterStatus>()
  /** How far each other shard has been read. */
  private readonly seen = new Map<string, number>()
  /** Each own meter's reading count at its last push: a status changes with every reading. */
  private readonly pushed = new Map<string, number>()
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> = Promise.resolve()
  private failing = false
  private newestBucket = Number.NEGATIVE_INFINITY
  /** The other shards' rejections, by shard, as their owners last shared them. */
  private readonly othersRejected = new Map<string, LiveRejections>()
  /** The tally's change count at the last push (-1: the first push shares it, even empty). */
  private pushedRejections = -1
  private opened: PostgresLiveStatus | undefined

  /** Rejected readings of every shard: this worker's tally and the others' as their owners shared them. */
  readonly rejections: RejectionSource

  constructor(private readonly o: SharedLiveOptions) {
    const own = o.rejections
    const others = this.othersRejected
    this.rejections = {
      get since() {
        return Math.min(own.since, ...[...others.values()].map((t) => t.since))
      },
      list: (school) =>
        [...others.values()]
          .flatMap((t) => t.counts)
          .filter((c) => school === undefined || c.school === school)
          .concat(own.list(school))
          .sort(byCount),
    }
  }

  private get db(): PostgresLiveStatus {
    if (!this.opened) throw new Error('SharedLiveStatus is not started')
    return this.opened
  }

  /** Shares what this worker has (its restored state too) and reads the others' once, then every interval. */
  async start(): Promise<void> {
    this.opened = await PostgresLiveStatus.open(this.o.url, {
      onError: (err) =>
        this.o.log.warn({ err: err.message }, 'PostgreSQL dropped a connection; the next call reconnects'),
    })
    this.o.recent.trackChanges()
    await this.sync()
    this.timer = setInterval(() => void this.sync(), this.o.intervalMs)
    this.timer.unref()
  }

  /** A last push of what changed, then the connection closes. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    await this.run(() => this.push())
    await this.opened?.close()
    this.opened = undefined
  }

  /** A meter's status: this worker's own, else as its shard's owner last shared it. */
  get(meterId: string): MeterStatus | undefined {
    return this.o.status(meterId) ?? this.others.get(meterId)
  }

  /** Pushes this worker's changes and pulls the others'; resolves when both are done (or failed, which is logged). */
  sync(): Promise<void> {
    return this.run(async () => {
      await this.push()
      await this.pull()
    })
  }

  newest(meterId: string): number | undefined {
    if (this.owns(meterId)) return this.o.recent.newest(meterId)
    const s = this.others.get(meterId)
    return s ? (Math.floor(s.lastTs / BUCKET_MS) + 1) * BUCKET_MS : undefined
  }

  async windows(list: readonly RateWindow[]): Promise<Map<string, RatePoint[]>> {
    const own = list.filter((w) => this.owns(w.meterId))
    const out = await this.o.recent.windows(own)
    const others = list.filter((w) => !this.owns(w.meterId))
    if (others.length === 0) return out
    const rows = await this.db.rates(
      others.map((w) => w.meterId),
      Math.min(...others.map((w) => w.from)),
      Math.max(...others.map((w) => w.to)),
    )
    for (const w of others) out.set(w.meterId, [])
    const window = new Map(others.map((w) => [w.meterId, w]))
    for (const r of rows) {
      const w = window.get(r.meterId)!
      if (r.bucket >= w.from && r.bucket < w.to)
        out.get(r.meterId)!.push({ ts: r.bucket, mean: r.mean, max: r.max })
    }
    return out
  }

  /**
   * The district's other shards, as the workers split it now: what a layout of another count left
   * in the tables (before the district was split anew) is not read.
   */
  private get otherShards(): string[] {
    const { index, count } = this.o.shard.spec
    return Array.from({ length: count }, (_, i) => i + 1)
      .filter((k) => k !== index)
      .map((k) => shardName({ index: k, count }))
  }

  private owns(meterId: string): boolean {
    return this.o.shard.registry.meters.has(meterId)
  }

  /** One sync at a time; a failure is logged once until a sync succeeds again. */
  private run(work: () => Promise<void>): Promise<void> {
    this.running = this.running.then(async () => {
      try {
        await work()
        this.o.metrics?.liveStatusSyncs.inc({ result: 'ok' })
        if (this.failing) this.o.log.info('sharing live status through PostgreSQL again')
        this.failing = false
      } catch (err) {
        this.o.metrics?.liveStatusSyncs.inc({ result: 'failed' })
        if (!this.failing)
          this.o.log.warn(
            { err },
            "cannot share live status through PostgreSQL; other workers show this shard's meters as they last saw them, retrying",
          )
        this.failing = true
      }
    })
    return this.running
  }

  private async push(): Promise<void> {
    const lease = this.o.shard.lease?.held
    if (!lease) return
    const statuses: LiveStatusRow[] = []
    const counts: [string, number][] = []
    for (const meter of this.o.shard.registry.meters.values()) {
      const s = this.o.status(meter.id)
      if (!s || this.pushed.get(meter.id) === s.readings) continue
      statuses.push({ meterId: meter.id, schoolId: meter.school.id, status: { ...s } })
      counts.push([meter.id, s.readings])
    }
    const taken = this.o.recent.takeChanged()
    const tally = this.o.rejections
    const rejected = tally.changes !== this.pushedRejections ? tally.changes : undefined
    if (statuses.length === 0 && taken.size === 0 && rejected === undefined) return
    const rates: LiveRateRow[] = []
    for (const [meterId, points] of taken)
      for (const p of points) {
        rates.push({ meterId, bucket: p.ts, mean: p.mean, max: p.max })
        if (p.ts > this.newestBucket) this.newestBucket = p.ts
      }
    let written: boolean
    try {
      written = await this.db.push(lease, {
        statuses,
        rates,
        ...(Number.isFinite(this.newestBucket)
          ? { dropRatesBefore: this.newestBucket - RECENT_HOURS * HOUR }
          : {}),
        ...(rejected !== undefined ? { rejections: { since: tally.since, counts: tally.list() } } : {}),
      })
    } catch (err) {
      this.o.recent.restoreChanged(taken)
      throw err
    }
    // Fenced out: the lease has another owner, which shares the shard from its own state.
    if (!written) {
      this.o.metrics?.liveStatusSyncs.inc({ result: 'fenced' })
      return
    }
    this.o.metrics?.liveStatusRows.inc({ direction: 'pushed' }, statuses.length + rates.length)
    for (const [id, n] of counts) this.pushed.set(id, n)
    if (rejected !== undefined) this.pushedRejections = rejected
  }

  private async pull(): Promise<void> {
    const pulled = await this.db.pull(this.otherShards, this.seen)
    for (const row of pulled.statuses) this.others.set(row.meterId, row.status)
    this.o.metrics?.liveStatusRows.inc({ direction: 'pulled' }, pulled.statuses.length)
    for (const [shard, tally] of pulled.rejections) this.othersRejected.set(shard, tally)
  }
}
