/**
 * The ingest part: each meter's registers and last reading, the journal of every message that
 * carried readings, and the checkpoints that make "acknowledged" mean "durable" (durability.ts).
 *
 * It starts after the parts that listen to its readings (rules, reports), because its start
 * replays through them what the journal holds since the last checkpoint; the broker starts after
 * it and hands it each message (`handler`). On the way down the broker stops first, then this
 * part takes its last checkpoint.
 */
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { Bus } from '../core/bus.js'
import type { Checkpointed } from '../core/checkpoint.js'
import type { Env } from '../core/config/env.js'
import type { Metrics } from '../core/metrics.js'
import type { Registry } from '../core/registry.js'
import type { Store } from '../store/index.js'
import type { MessageHandler } from './broker/types.js'
import { Admission, CHECKPOINT_KEY, Checkpoints, logJournalDamage, replayJournal } from './durability.js'
import type { Archive } from './influx/archive.js'
import { Journal } from './journal.js'
import { Ingest, type MeterStatus } from './pipeline.js'
import { RecentReadings } from './recent.js'
import { RejectionTally } from './rejections.js'

export interface IngestServiceOptions {
  env: Env
  dataDir: string
  registry: Registry
  store: Store
  bus: Bus
  metrics: Metrics
  log: Logger
  /** Started before this part: readings go to its writer, and its back-pressure holds publishers. */
  archive: Archive
  /** The other parts whose per-meter state the checkpoints save with ingest's (the rules engine). */
  checkpointed: Checkpointed[]
  /**
   * Resolves once what those parts handed on is written (the alert changes of the rules'
   * verdicts): a checkpoint counts only after it.
   */
  settled?: () => Promise<void>
}

/** What a start restored, for the start-up log line. */
export interface IngestRestored {
  meters: number
  registers: number
  journal: { segments: number; bytes: number; replayedMessages: number }
}

/** For a part that saves what it counted on its own schedule rather than with the checkpoints. */
export interface JournalProgress {
  /** Called as the part takes what it will save: what it returns records how far into the journal that goes. */
  onFlush: () => () => void
  /** True while the journal replays a message the part had counted and saved before a crash. */
  skip: () => boolean
}

export class IngestService {
  readonly pipeline: Ingest
  readonly journal: Journal
  /** Holds publishers back while the disk refuses the journal, the journal is over its limit or InfluxDB lags. */
  readonly admission: Admission
  /** What the web app and the live API draw: each meter's last 48 hours, rejections by school. */
  readonly recent: RecentReadings
  readonly rejections: RejectionTally
  private readonly checkpoints: Checkpoints
  /** The record being replayed, while the journal is. */
  private readonly replay = { seq: 0, active: false }
  private started: IngestRestored | undefined

  constructor(private readonly o: IngestServiceOptions) {
    const { env, dataDir, registry, store, bus, metrics, log } = o
    const writer = o.archive.writer
    this.pipeline = new Ingest({
      registry,
      store,
      bus,
      metrics,
      log,
      watermarkMs: env.WATERMARK_SECONDS * 1000,
      limits: {
        maxPayloadBytes: env.MAX_PAYLOAD_BYTES,
        maxBatchReadings: env.MAX_BATCH_READINGS,
        maxFutureMs: 5 * 60_000,
      },
      ...(writer ? { writer } : {}),
      // Saved by the checkpoints, in step with the journal.
      snapshotIntervalMs: 0,
    })
    // While the disk refuses the journal's writes (full), nothing is acknowledged and publishers are held back.
    const admission = new Admission(metrics, log)
    this.admission = admission
    this.journal = new Journal(join(dataDir, 'journal'), {
      onDamage: (d) => logJournalDamage(log, d),
      onFailure: (failure) => {
        if (failure)
          log.error(
            { path: failure.path, code: failure.code },
            `${failure.diskFull ? 'the disk is full' : 'the disk refuses writes'}: cannot write the ingest journal (${failure.message}); ` +
              'nothing is acknowledged and publishers are held back until it can; trying again every second',
          )
        else log.info('the ingest journal can write again: publishers are read again')
        admission.hold('disk', failure !== undefined)
      },
    })
    this.recent = new RecentReadings({ bus })
    this.rejections = new RejectionTally({ bus })
    this.checkpoints = new Checkpoints({
      store,
      journal: this.journal,
      ...(writer ? { writer } : {}),
      parts: [this.pipeline, ...o.checkpointed],
      // What the pipeline and the other parts handed on (anomalies, alert changes) is written first.
      settled: async () => {
        await this.pipeline.written()
        await o.settled?.()
      },
      metrics,
      log,
      intervalMs: env.CHECKPOINT_SECONDS * 1000,
      maxJournalBytes: env.JOURNAL_MAX_BYTES,
      admission,
    })
  }

  /**
   * Restores each meter's state as of the last checkpoint, replays what the journal holds after
   * it, then takes a checkpoint every CHECKPOINT_SECONDS.
   */
  start(): void {
    const { store, archive } = this.o
    // Rows of a checkpoint a crash cut short never counted; they go before anything is restored.
    store.meterState.discardUncommitted()
    const restored = this.pipeline.start()
    const checkpointSeq = store.meta.getNumber(CHECKPOINT_KEY)
    const found = this.journal.open(checkpointSeq)
    this.recent.start()
    this.rejections.start()
    const replayed = replayJournal(this.journal, this.pipeline, checkpointSeq, this.replay)
    this.started = {
      meters: restored.restoredStatus,
      registers: restored.restoredRegisters,
      journal: { segments: found.segments, bytes: found.bytes, replayedMessages: replayed.messages },
    }
    archive.writer?.onPressure((on) => this.admission.hold('writer', on))
    this.checkpoints.start()
  }

  /** The last checkpoint (the broker has stopped taking messages), then the journal closes. */
  async stop(): Promise<void> {
    await this.checkpoints.stop()
    this.rejections.stop()
    this.recent.stop()
    this.journal.close()
    this.pipeline.stop()
  }

  /** What the start restored and replayed. */
  get restored(): IngestRestored | undefined {
    return this.started
  }

  /** True while the journal is being replayed at start. */
  get replaying(): boolean {
    return this.replay.active
  }

  status(meterId: string): MeterStatus | undefined {
    return this.pipeline.status(meterId)
  }

  /**
   * The broker's handler: a message through the pipeline and, if it carried readings, into the
   * journal. At QoS 1 with `waitForSync`, the PUBACK waits for the journal's fdatasync, shared by
   * every message that arrived meanwhile; without, the record is written before the PUBACK (it
   * survives a crash of the process) and synced with the next.
   */
  handler(waitForSync: boolean): MessageHandler {
    const { pipeline, journal, checkpoints } = this
    return (topic, payload, qos) => {
      const receivedAt = Date.now()
      if (pipeline.handle(topic, payload, receivedAt).decoded === 0) return undefined
      journal.append(topic, payload, receivedAt)
      checkpoints.checkJournal()
      if (qos === 0) return undefined
      if (waitForSync) return journal.durable()
      journal.write()
      return undefined
    }
  }

  /**
   * The journal position for a part that saves what it counted on its own schedule (the rollups,
   * flushed whenever reports need them): recorded under `key` with each save, so that a replay
   * does not count a reading twice. Asked for before that part starts.
   */
  progress(key: string): JournalProgress {
    const { store } = this.o
    const through = store.meta.getNumber(key)
    return {
      onFlush: () => {
        const seq = this.replay.active ? this.replay.seq : this.journal.lastSeq
        return () => store.meta.set(key, seq)
      },
      skip: () => this.replay.active && this.replay.seq <= through,
    }
  }
}
