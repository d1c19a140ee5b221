/**
 * One write path for both InfluxDB APIs: lines are batched (a batch is cut at `batchLines` or
 * after `flushIntervalMs`), sent with a couple of quick retries, and — when InfluxDB stays
 * unreachable — put in the disk spool, which a drain loop replays with exponential backoff
 * once InfluxDB answers again. While InfluxDB is down new batches go straight to the spool, so
 * memory stays flat during an outage. InfluxDB keeps one point per series and timestamp, so a
 * batch replayed after an ambiguous failure is stored once.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { Metrics } from '../../core/metrics.js'
import { sleep } from '../../core/time.js'
import type { Spool } from './spool.js'
import { type LineTransport, WriteError } from './transport.js'

export interface WriterOptions {
  batchLines: number
  flushIntervalMs: number
  /** Batches in flight at once. */
  maxInflight: number
  /** Delays of the quick retries before a batch goes to the spool. */
  quickRetryDelaysMs: number[]
  drainInitialDelayMs: number
  drainMaxDelayMs: number
  /**
   * Lines held in memory (waiting for a free slot, or for InfluxDB when the spool is full)
   * above which the writer reports back-pressure; below half of it the pressure is off again.
   * Lines are never dropped: the broker stops reading from publishers instead.
   */
  maxQueuedLines: number
  /** Where batches InfluxDB refuses as malformed are kept for inspection. */
  rejectedDir: string
}

export const DEFAULT_WRITER_OPTIONS: Omit<WriterOptions, 'rejectedDir'> = {
  batchLines: 5000,
  flushIntervalMs: 1000,
  maxInflight: 2,
  quickRetryDelaysMs: [250, 1000],
  drainInitialDelayMs: 1000,
  drainMaxDelayMs: 30_000,
  maxQueuedLines: 500_000,
}

export interface WriterStatus {
  api: 'v1' | 'v2'
  target: string
  state: 'up' | 'down'
  lastError?: string
  lastErrorAt?: number
  lastSuccessAt?: number
  queuedLines: number
  spool: { segments: number; lines: number; bytes: number }
}

const asWriteError = (err: unknown): WriteError =>
  err instanceof WriteError ? err : new WriteError(String(err), undefined, true)

export class InfluxWriter {
  private readonly o: WriterOptions
  private buffer: string[] = []
  private timer: NodeJS.Timeout | undefined
  private inflight = 0
  /** Batches waiting for a free slot, or for InfluxDB when the spool is full. */
  private readonly queue: string[][] = []
  private queuedLines = 0
  private down = false
  private closed = false
  private draining: Promise<void> | undefined
  private readonly stop = new AbortController()
  private idleWaiters: (() => void)[] = []
  private lastError: { message: string; at: number } | undefined
  private lastSuccessAt: number | undefined
  /** Batches cut but not yet in InfluxDB or the spool. */
  private readonly outstanding = new Set<string[]>()
  private barriers: { remaining: Set<string[]>; resolve: () => void }[] = []
  private pressured = false
  private pressureListeners: ((on: boolean) => void)[] = []

  constructor(
    private readonly transport: LineTransport,
    private readonly spool: Spool,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    options: Partial<WriterOptions> & { rejectedDir: string },
  ) {
    this.o = { ...DEFAULT_WRITER_OPTIONS, ...options }
    metrics.influxUp.set(1)
    this.updateGauges()
  }

  /** Starts replaying whatever an earlier run left in the spool. */
  start(): void {
    if (this.spool.stats().segments > 0) this.startDrain()
  }

  write(line: string): void {
    if (this.closed) throw new Error('InfluxDB writer is closed')
    this.buffer.push(line)
    if (this.buffer.length >= this.o.batchLines) this.cut()
    else if (!this.timer) this.timer = setTimeout(() => this.cut(), this.o.flushIntervalMs)
  }

  /**
   * Resolves once every line written so far is in InfluxDB or in the spool (or, if InfluxDB
   * refused it as malformed, kept in the refused folder): what a checkpoint waits for.
   */
  barrier(): Promise<void> {
    this.cut()
    if (this.outstanding.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.barriers.push({ remaining: new Set(this.outstanding), resolve }))
  }

  /** True while the memory queue is over its limit: the broker should stop reading. */
  get underPressure(): boolean {
    return this.pressured
  }

  /** Called with true when back-pressure starts and false when it ends. */
  onPressure(listener: (on: boolean) => void): void {
    this.pressureListeners.push(listener)
  }

  /** Sends what is buffered; resolves when nothing is in flight and nothing sendable is queued. */
  async flush(): Promise<void> {
    this.cut()
    if (this.idle()) return
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
  }

  /**
   * Stops: sends what is buffered (to InfluxDB if it answers, else to the spool) and stops the
   * drain loop. Whatever remains in the spool is replayed on the next start.
   */
  async close(): Promise<void> {
    if (this.closed) return
    await this.flush()
    this.closed = true
    this.stop.abort()
    await this.draining
    if (this.queue.length > 0) this.spoolQueue()
    this.updateGauges()
  }

  status(): WriterStatus {
    return {
      api: this.transport.api,
      target: this.transport.target,
      state: this.down ? 'down' : 'up',
      ...(this.lastError ? { lastError: this.lastError.message, lastErrorAt: this.lastError.at } : {}),
      ...(this.lastSuccessAt ? { lastSuccessAt: this.lastSuccessAt } : {}),
      queuedLines: this.queuedLines + this.buffer.length,
      spool: this.spool.stats(),
    }
  }

  /** Nothing in flight, and nothing queued that could be sent now. */
  private idle(): boolean {
    return this.inflight === 0 && (this.queue.length === 0 || this.down)
  }

  private cut(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    if (this.buffer.length === 0) return
    const batch = this.buffer
    this.buffer = []
    this.outstanding.add(batch)
    if (this.down) this.toSpool(batch)
    else if (this.inflight >= this.o.maxInflight) this.enqueue(batch)
    else void this.send(batch)
  }

  private enqueue(batch: string[]): void {
    this.queue.push(batch)
    this.queuedLines += batch.length
    this.updateGauges()
  }

  /** A batch is in InfluxDB, in the spool or refused: it no longer holds a checkpoint back. */
  private settled(batch: string[]): void {
    if (!this.outstanding.delete(batch)) return
    if (this.barriers.length === 0) return
    const open: typeof this.barriers = []
    for (const b of this.barriers) {
      b.remaining.delete(batch)
      if (b.remaining.size === 0) b.resolve()
      else open.push(b)
    }
    this.barriers = open
  }

  private checkPressure(): void {
    const lines = this.queuedLines
    const on = this.pressured ? lines > this.o.maxQueuedLines / 2 : lines > this.o.maxQueuedLines
    if (on === this.pressured) return
    this.pressured = on
    this.metrics.writerBackpressure.set(on ? 1 : 0)
    if (on) {
      this.log.warn(
        { queuedLines: lines, spool: this.spool.stats() },
        this.down
          ? 'InfluxDB is unreachable and the spool is full: holding publishers back until there is room (raise SPOOL_MAX_BYTES or restore InfluxDB)'
          : 'InfluxDB cannot keep up: holding publishers back until the queue drains',
      )
    } else {
      this.log.info('the InfluxDB queue has drained: publishers are read again')
    }
    for (const l of this.pressureListeners) l(on)
  }

  private requeue(batch: string[]): void {
    this.queue.unshift(batch)
    this.queuedLines += batch.length
  }

  private async send(batch: string[]): Promise<void> {
    this.inflight++
    try {
      await this.attempt(batch, this.o.quickRetryDelaysMs)
      this.settled(batch)
    } catch (err) {
      const e = asWriteError(err)
      if (!e.retryable) {
        this.reject(batch, e)
      } else {
        this.noteFailure(e)
        this.toSpool(batch)
        this.startDrain()
      }
    } finally {
      this.inflight--
      this.pump()
    }
  }

  /** Writes with quick retries; resolves on success, rejects with the last error. */
  private async attempt(batch: string[], delays: number[]): Promise<void> {
    for (let i = 0; ; i++) {
      const started = performance.now()
      try {
        await this.transport.write(batch)
        this.noteSuccess(batch.length, started)
        this.metrics.influxBatches.inc({ result: 'ok' })
        return
      } catch (err) {
        const e = asWriteError(err)
        if (!e.retryable || i >= delays.length || this.stop.signal.aborted) throw e
        this.metrics.influxBatches.inc({ result: 'retried' })
        await sleep(delays[i]!, this.stop.signal)
      }
    }
  }

  /** Sends queued batches while there are free slots; wakes flush() waiters when idle. */
  private pump(): void {
    while (this.queue.length > 0 && this.inflight < this.o.maxInflight) {
      if (this.down) {
        this.spoolQueue()
        break
      }
      const batch = this.queue.shift()!
      this.queuedLines -= batch.length
      void this.send(batch)
    }
    this.updateGauges()
    if (this.idle()) {
      const waiters = this.idleWaiters
      this.idleWaiters = []
      for (const w of waiters) w()
    }
  }

  private spoolQueue(): void {
    while (this.queue.length > 0) {
      const batch = this.queue[0]!
      let spooled = false
      try {
        spooled = this.spool.append(batch)
      } catch (err) {
        // A full disk: the batch stays in memory, and a full memory queue holds publishers back.
        this.log.error({ err }, 'cannot write to the spool; keeping the batches in memory')
      }
      if (!spooled) break
      this.queue.shift()
      this.queuedLines -= batch.length
      this.settled(batch)
      this.metrics.influxBatches.inc({ result: 'spooled' })
    }
    this.updateGauges()
  }

  private toSpool(batch: string[]): void {
    let ok = false
    try {
      ok = this.spool.append(batch)
    } catch (err) {
      this.log.error({ err }, 'cannot write to the spool; keeping the batch in memory')
    }
    if (ok) {
      this.settled(batch)
      this.metrics.influxBatches.inc({ result: 'spooled' })
      this.updateGauges()
    } else {
      this.enqueue(batch)
    }
  }

  private startDrain(): void {
    if (this.draining || this.closed) return
    this.draining = this.drain().finally(() => {
      this.draining = undefined
    })
  }

  /**
   * Replays the backlog — the spool, oldest first, then batches held in memory because the
   * spool was full — backing off while InfluxDB stays away.
   */
  private async drain(): Promise<void> {
    let delay = this.o.drainInitialDelayMs
    let pause = this.down
    while (!this.stop.signal.aborted) {
      if (this.spool.stats().segments === 0 && this.queue.length === 0) {
        if (this.down) this.log.info('InfluxDB is back and the spool is drained')
        this.down = false
        this.pump()
        return
      }
      if (pause) await sleep(delay * (0.75 + Math.random() * 0.5), this.stop.signal)
      if (this.stop.signal.aborted) return
      const fromSpool = this.spool.oldest()
      const queued = fromSpool ? undefined : this.queue.shift()
      if (!fromSpool && !queued) {
        // Nothing to send after all (the totals were behind the index): look again on the next turn,
        // never in a loop that holds the event loop.
        await new Promise((resolve) => setImmediate(resolve))
        continue
      }
      if (queued) this.queuedLines -= queued.length
      const batch = fromSpool ? fromSpool.lines : queued!
      const started = performance.now()
      try {
        await this.transport.write(batch)
        this.noteSuccess(batch.length, started)
        if (fromSpool) this.spool.remove(fromSpool.segment)
        else this.settled(batch)
        this.metrics.influxBatches.inc({ result: 'drained' })
        this.down = false
        delay = this.o.drainInitialDelayMs
        pause = false // no pause between batches while InfluxDB takes them
      } catch (err) {
        const e = asWriteError(err)
        if (!e.retryable) {
          this.reject(batch, e)
          if (fromSpool) this.spool.remove(fromSpool.segment)
          continue
        }
        if (fromSpool) this.spool.attempted(fromSpool.segment)
        else this.requeue(queued!)
        this.noteFailure(e)
        delay = Math.min(delay * 2, this.o.drainMaxDelayMs)
        pause = true
      }
      this.updateGauges()
    }
  }

  private noteSuccess(lines: number, started: number): void {
    this.lastSuccessAt = Date.now()
    this.metrics.influxLinesWritten.inc(lines)
    this.metrics.influxWriteSeconds.observe((performance.now() - started) / 1000)
    this.metrics.influxUp.set(1)
  }

  private noteFailure(e: WriteError): void {
    if (!this.down) {
      this.log.warn(
        { err: e.message, target: this.transport.target },
        'InfluxDB write failed; spooling to disk and retrying with backoff',
      )
    }
    this.down = true
    this.lastError = { message: e.message, at: Date.now() }
    this.metrics.influxUp.set(0)
    this.updateGauges()
  }

  /** InfluxDB refused the lines themselves: keep them in a file for a person to look at. */
  private reject(lines: string[], e: WriteError): void {
    this.lastError = { message: e.message, at: Date.now() }
    this.settled(lines)
    this.metrics.influxBatches.inc({ result: 'rejected' })
    this.metrics.influxDroppedLines.inc({ reason: 'refused' }, lines.length)
    let file: string | undefined
    try {
      mkdirSync(this.o.rejectedDir, { recursive: true })
      file = join(this.o.rejectedDir, `${Date.now()}-${process.pid}.lp`)
      writeFileSync(file, `# ${e.message.replace(/\n/g, ' ')}\n${lines.join('\n')}\n`)
    } catch (err) {
      this.log.error({ err }, 'cannot keep the refused batch')
    }
    this.log.error({ err: e.message, lines: lines.length, file }, 'InfluxDB refused a batch as malformed')
  }

  private updateGauges(): void {
    const s = this.spool.stats()
    this.metrics.spoolLines.set(s.lines)
    this.metrics.spoolBytes.set(s.bytes)
    this.metrics.writerQueuedLines.set(this.queuedLines)
    this.checkPressure()
  }
}
