/**
 * "Acknowledged means durable", put together: the journal takes every message that carried
 * readings, checkpoints commit the in-memory state of registers and rules once InfluxDB (or the
 * spool) has the lines up to the same point, and after a crash the journal is replayed from the
 * last checkpoint. Back-pressure from the writer and the journal holds the broker's publishers.
 */
import type { Logger } from 'pino'
import type { Captured, Checkpointed } from '../core/checkpoint.js'
import type { Metrics } from '../core/metrics.js'
import type { Ingest } from '../ingest/index.js'
import type { InfluxWriter } from '../ingest/influx/writer.js'
import type { Journal } from '../ingest/journal.js'
import type { Store } from '../store/index.js'

export const CHECKPOINT_KEY = 'journal_checkpoint'
export const ROLLUPS_KEY = 'rollups_through'

/** A gate in front of ingest: closed while any reason holds it. */
export class Admission {
  private readonly reasons = new Set<string>()
  private gate: { promise: Promise<void>; open: () => void } | undefined
  private closedAt = 0

  constructor(
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /** Undefined while open, else a promise resolved when it opens (see `Admission` in ingest/broker). */
  readonly wait = (): Promise<void> | undefined => this.gate?.promise

  get held(): boolean {
    return this.gate !== undefined
  }

  hold(reason: string, on: boolean): void {
    if (on === this.reasons.has(reason)) return
    if (on) this.reasons.add(reason)
    else this.reasons.delete(reason)
    if (this.reasons.size > 0 && !this.gate) {
      let open!: () => void
      const promise = new Promise<void>((resolve) => {
        open = resolve
      })
      this.gate = { promise, open }
      this.closedAt = performance.now()
      this.log.warn({ reasons: [...this.reasons] }, 'ingest is holding publishers back')
    } else if (this.reasons.size === 0 && this.gate) {
      const { open } = this.gate
      this.gate = undefined
      this.metrics.ingestPaused.inc((performance.now() - this.closedAt) / 1000)
      this.log.info('ingest takes messages again')
      open()
    }
  }
}

export interface CheckpointOptions {
  store: Store
  journal: Journal
  writer?: InfluxWriter
  parts: Checkpointed[]
  metrics: Metrics
  log: Logger
  intervalMs: number
  /** Journal bytes since the last checkpoint above which publishers are held back. */
  maxJournalBytes: number
  admission: Admission
}

/**
 * Checkpoints: every interval, the journal starts a new segment at sequence S, every part
 * captures its state as of S, and once the writer has every line up to S in InfluxDB or the
 * spool, the captures and S are committed in one SQLite transaction and the journal segments
 * up to S are deleted. A checkpoint that cannot commit (SQLite busy) is kept and committed with
 * the next one.
 */
export class Checkpoints {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private readonly uncommitted: { seq: number; captured: Captured[] }[] = []

  constructor(private readonly o: CheckpointOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      this.run().catch((err) => this.o.log.error({ err }, 'checkpoint failed'))
    }, this.o.intervalMs)
    this.timer.unref()
  }

  /** Called after each journal append: hold publishers back while the journal is over its limit. */
  checkJournal(): void {
    if (this.o.journal.pendingBytes > this.o.maxJournalBytes && !this.o.admission.held) {
      this.o.admission.hold('journal', true)
      // A checkpoint is what empties it.
      void this.run().catch((err) => this.o.log.error({ err }, 'checkpoint failed'))
    }
  }

  /** Takes a checkpoint now (or waits for the one running); resolves once it is committed. */
  run(): Promise<void> {
    this.running ??= this.take().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  /** The last checkpoint, on the way down (after the broker has stopped taking messages). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.running
    await this.run()
  }

  private async take(): Promise<void> {
    const { store, journal, writer, metrics, log } = this.o
    const started = performance.now()
    const seq = journal.rotate()
    this.uncommitted.push({ seq, captured: this.o.parts.map((p) => p.capture()) })
    await writer?.barrier()
    const batch = [...this.uncommitted]
    try {
      store.db.transaction(() => {
        for (const c of batch) for (const part of c.captured) part.commit()
        store.meta.set(CHECKPOINT_KEY, seq)
      })()
    } catch (err) {
      metrics.checkpoints.inc({ result: 'failed' })
      log.error({ err, seq }, 'cannot commit a checkpoint; the journal keeps everything until the next one')
      return
    }
    this.uncommitted.splice(0, batch.length)
    for (const c of batch) for (const part of c.captured) part.after?.()
    journal.truncate(seq)
    metrics.checkpoints.inc({ result: 'ok' })
    metrics.checkpointSeconds.observe((performance.now() - started) / 1000)
    metrics.journalBytes.set(journal.stats().bytes)
    if (journal.pendingBytes <= this.o.maxJournalBytes) this.o.admission.hold('journal', false)
  }
}

/**
 * Replays what the journal holds after the last checkpoint through the pipeline (before the
 * broker takes new messages). Rollups skip what a flush since the checkpoint already counted.
 */
export function replayJournal(
  journal: Journal,
  ingest: Ingest,
  afterSeq: number,
  replaying: { seq: number; active: boolean },
): { messages: number; readings: number } {
  let messages = 0
  let readings = 0
  replaying.active = true
  try {
    for (const r of journal.replay(afterSeq)) {
      replaying.seq = r.seq
      readings += ingest.handle(r.topic, r.payload, r.receivedAt).accepted
      messages++
    }
  } finally {
    replaying.active = false
  }
  return { messages, readings }
}
