/**
 * "Acknowledged means durable", put together: the journal takes every message that carried
 * readings, checkpoints commit the in-memory state of registers and rules once InfluxDB (or the
 * spool) has the lines up to the same point, and after a crash the journal is replayed from the
 * last checkpoint. Back-pressure from the writer and the journal holds the broker's publishers.
 */
import type { Logger } from 'pino'
import { type Checkpointed, nextTurn, type StateRow } from '../core/checkpoint.js'
import { logLine, type Message } from '../core/i18n/index.js'
import type { Metrics } from '../core/metrics.js'
import type { Store } from '../store/index.js'
import type { InfluxWriter } from './influx/writer.js'
import { type Journal, type JournalDamage, type JournalFailure, JournalUnavailableError } from './journal.js'
import type { Ingest } from './pipeline.js'

export const CHECKPOINT_KEY = 'journal_checkpoint'

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
  /**
   * Resolves once what the parts handed on up to now is written (the alert changes of the rules'
   * verdicts): a checkpoint counts only after it, so that restored rule state never says an alert
   * is active that the store has not recorded.
   */
  settled?: () => Promise<void>
  metrics: Metrics
  log: Logger
  intervalMs: number
  /** Journal bytes since the last checkpoint above which publishers are held back. */
  maxJournalBytes: number
  admission: Admission
}

/** Rows serialised and written at a time, per part. */
const SLICE = 100
/** How long a checkpoint works before it lets ingest run again, ms. */
const SLICE_MS = 8

interface Staged {
  part: string
  generation: number
  ids: string[]
}

/**
 * Checkpoints: every interval, the journal starts a new segment at sequence S and every part
 * captures the state of the meters that changed, as of S (`Capture`). The captures are
 * serialised and written to `meter_state` as a new generation a slice at a time, with ingest
 * running between slices (a meter about to change is saved first, so each row is still its
 * state at S). Once the writer has every line up to S in InfluxDB or the spool, the generation
 * and S are committed in one small transaction and the journal segments up to S are deleted;
 * then the rows the new generation replaced are pruned, again in slices.
 *
 * If SQLite refuses a write (busy), what was serialised is kept and written by the next
 * checkpoint, whose commit then covers both; the journal keeps everything until a commit.
 */
export class Checkpoints {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  /** Serialised rows not written yet (a write failed), by part and generation. */
  private readonly unwritten: { part: string; generation: number; rows: StateRow[] }[] = []
  /** Written, not yet committed. */
  private readonly staged: Staged[] = []

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
    let seq: number
    try {
      seq = journal.rotate()
    } catch (err) {
      if (!(err instanceof JournalUnavailableError)) throw err
      // The journal keeps what it holds; the next checkpoint after the disk takes writes again commits it.
      metrics.checkpoints.inc({ result: 'failed' })
      log.warn(
        { path: err.failure.path, code: err.failure.code },
        'checkpoint skipped: the journal cannot write',
      )
      return
    }
    let generation: number
    try {
      generation = store.meterState.next()
    } catch (err) {
      // SQLite locked or failing before anything was written: nothing to keep, the journal has it all.
      metrics.checkpoints.inc({ result: 'failed' })
      log.error({ err, seq }, 'cannot start a checkpoint; the journal keeps everything until the next one')
      return
    }
    const captures = this.o.parts.map((p) => ({ part: p.part, capture: p.capture() }))
    try {
      // What an earlier checkpoint could not write goes first.
      while (this.unwritten.length > 0) {
        const u = this.unwritten[0]!
        this.write(u.part, u.generation, u.rows)
        this.unwritten.shift()
      }
      let sliceStarted = performance.now()
      for (;;) {
        let pending = false
        for (const c of captures) {
          c.capture.drain(SLICE)
          const rows = c.capture.take()
          if (rows.length > 0) this.write(c.part, generation, rows)
          if (!c.capture.done) pending = true
        }
        if (!pending) break
        if (performance.now() - sliceStarted >= SLICE_MS) {
          await nextTurn()
          sliceStarted = performance.now()
        }
      }
    } catch (err) {
      // Nothing serialised is dropped: the rest of the capture is serialised now and kept.
      for (const c of captures) {
        c.capture.drain()
        const rows = c.capture.take()
        if (rows.length > 0) this.unwritten.push({ part: c.part, generation, rows })
      }
      metrics.checkpoints.inc({ result: 'failed' })
      log.error({ err, seq }, 'cannot write a checkpoint; the journal keeps everything until the next one')
      return
    }
    await writer?.barrier()
    await this.o.settled?.()
    try {
      store.inStep(() => {
        store.meterState.commit(generation)
        store.meta.set(CHECKPOINT_KEY, seq)
      })
    } catch (err) {
      metrics.checkpoints.inc({ result: 'failed' })
      log.error({ err, seq }, 'cannot commit a checkpoint; the journal keeps everything until the next one')
      return
    }
    journal.truncate(seq)
    metrics.checkpoints.inc({ result: 'ok' })
    metrics.checkpointSeconds.observe((performance.now() - started) / 1000)
    metrics.journalBytes.set(journal.stats().bytes)
    if (journal.pendingBytes <= this.o.maxJournalBytes) this.o.admission.hold('journal', false)
    await this.prune()
  }

  /** Writes rows of a generation and remembers them for pruning once it is committed. */
  private write(part: string, generation: number, rows: StateRow[]): void {
    try {
      this.o.store.meterState.stage(part, generation, rows)
    } catch (err) {
      if (!this.unwritten.some((u) => u.rows === rows)) this.unwritten.push({ part, generation, rows })
      throw err
    }
    const ids = rows.map(([id]) => id)
    const last = this.staged.at(-1)
    if (last && last.part === part && last.generation === generation) last.ids.push(...ids)
    else this.staged.push({ part, generation, ids })
  }

  /** Deletes the rows committed generations replaced, a slice at a time; a failure leaves them for later. */
  private async prune(): Promise<void> {
    const committed = this.o.store.meterState.committed
    while (this.staged.length > 0 && this.staged[0]!.generation <= committed) {
      const s = this.staged[0]!
      const slice = s.ids.splice(0, 10 * SLICE)
      try {
        this.o.store.meterState.prune(s.part, s.generation, slice)
      } catch (err) {
        this.o.log.warn(
          { err },
          'could not prune replaced meter state; it is pruned with the next checkpoint',
        )
        s.ids.unshift(...slice)
        return
      }
      if (s.ids.length === 0) this.staged.shift()
      await nextTurn()
    }
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

/** An operator's log line for damage the journal found when reading segments back. */
export function logJournalDamage(log: Logger, d: JournalDamage): void {
  const kept = d.keptAt ? logLine`; the damaged bytes are kept in ${d.keptAt} for inspection` : ''
  const after =
    d.recordsAfter > 0
      ? logLine`${d.recordsAfter} intact record(s) after it are replayed; the damaged one(s) cannot be (a failing disk?)`
      : logLine`nothing after it (a crash or a full disk cut the last write short; it was never acknowledged)`
  log.error(
    { segment: d.segment, offset: d.offset, bytes: d.bytes, reason: d.reason, recordsAfter: d.recordsAfter },
    `ingest journal segment ${d.segment} is damaged at byte ${d.offset} (${d.reason}, ${d.bytes} bytes): ` +
      `replay stops there; ${after}${kept}. New records go to a new segment`,
  )
}

/** What /health says while the journal cannot write: the ingest part failing, and a sentence for people. */
export function diskFailureHealth(f: JournalFailure): {
  part: { ok: false; detail: Message }
  message: Message
} {
  return {
    part: {
      ok: false,
      detail: { key: 'health.ingest.disk', params: { full: f.diskFull, path: f.path, code: f.code } },
    },
    message: {
      key: f.diskFull ? 'security.health.diskFull' : 'security.health.diskError',
      params: { path: f.path, code: f.code },
    },
  }
}
