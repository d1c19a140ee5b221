/**
 * Keeps a shard's lease: waits for it (a standby, or an owner restarted while its standby runs the
 * shard), renews it every third of its period, and gives it up on stop. When it cannot be renewed
 * in time — the database unreachable, or another process holding it — the lease is lost and
 * `onLost` is called before the lease would lapse, so that this process stops handling the shard
 * before a standby may take it.
 */
import type { Logger } from 'pino'
import type { Lease, LeaseHolder, LeaseStore } from '../../store/index.js'

export interface ShardLeaseOptions {
  leases: LeaseStore
  /** The shard's name, `k/n`. */
  shard: string
  /** This process, as the lease table and the logs name it. */
  owner: string
  ttlMs: number
  log: Logger
  /** A standby leaves a shard nobody has taken yet to its primary, for one lease period. */
  standby?: boolean
  /** Once, when the lease is lost: the process must stop handling the shard at once. */
  onLost: (reason: 'taken' | 'expired') => void
  /** While waiting: who holds the shard, each time it is read. */
  onWaiting?: (holder: LeaseHolder | undefined) => void
  /** A clock that never goes back, in ms (tests give a fake one). */
  now?: () => number
}

type Timer = ReturnType<typeof setTimeout>

export class ShardLease {
  private lease: Lease | undefined
  private renewTimer: Timer | undefined
  private deadline: Timer | undefined
  private renewing = false
  private lost = false
  private stopped = false
  private readonly now: () => number

  constructor(private readonly o: ShardLeaseOptions) {
    this.now = o.now ?? (() => performance.now())
  }

  /** The lease while held. */
  get held(): Lease | undefined {
    return this.lost ? undefined : this.lease
  }

  /** Resolves once this process holds the shard; waits while another does. */
  async acquire(signal?: AbortSignal): Promise<Lease> {
    const { leases, shard, owner, ttlMs, log } = this.o
    const pollMs = Math.max(100, Math.min(1000, ttlMs / 4))
    if (this.o.standby) {
      const holder = await this.attempt(() => leases.holder(shard), signal, pollMs)
      if (!holder) {
        log.info(
          `standby for shard ${shard}: nobody has taken it yet; leaving it to its primary for ${ttlMs} ms`,
        )
        await sleep(ttlMs, signal)
      }
    }
    let reported: string | undefined
    for (;;) {
      signal?.throwIfAborted()
      const sentAt = this.now()
      const taken = await this.attempt(() => leases.take(shard, owner, ttlMs), signal, pollMs)
      if (taken) {
        this.hold(taken, sentAt)
        log.info({ generation: taken.generation }, `took shard ${shard}'s lease as ${owner}`)
        return taken
      }
      const holder = await this.attempt(() => leases.holder(shard), signal, pollMs)
      this.o.onWaiting?.(holder)
      if (holder && holder.owner !== reported) {
        reported = holder.owner
        log.info(
          { holder: holder.owner, until: holder.expiresAt.toISOString() },
          `shard ${shard} is held by ${holder.owner}: standing by until its lease lapses`,
        )
      }
      await sleep(pollMs, signal)
    }
  }

  /** Renews the lease every third of its period until stopped or lost. */
  start(): void {
    if (this.renewTimer) return
    this.renewTimer = setInterval(() => void this.renew(), this.o.ttlMs / 3)
  }

  /** Stops renewing and ends the lease at once, so a standby need not wait for it to lapse. */
  async stop(): Promise<void> {
    this.stopped = true
    this.clearTimers()
    if (!this.lease || this.lost) return
    try {
      await this.o.leases.release(this.lease)
      this.o.log.info(`released shard ${this.o.shard}'s lease`)
    } catch (err) {
      this.o.log.warn(
        { err: (err as Error).message },
        `could not release shard ${this.o.shard}'s lease; it lapses on its own`,
      )
    }
  }

  /** One database call; a failure (database away) is logged and counts as no answer. */
  private async attempt<T>(
    call: () => Promise<T>,
    signal: AbortSignal | undefined,
    retryMs: number,
  ): Promise<T> {
    for (;;) {
      signal?.throwIfAborted()
      try {
        return await call()
      } catch (err) {
        this.o.log.warn(
          { err: (err as Error).message },
          `cannot reach PostgreSQL for shard ${this.o.shard}'s lease; trying again`,
        )
        await sleep(retryMs, signal)
      }
    }
  }

  private async renew(): Promise<void> {
    if (!this.lease || this.lost || this.stopped || this.renewing) return
    this.renewing = true
    const sentAt = this.now()
    try {
      const renewed = await this.o.leases.renew(this.lease, this.o.ttlMs)
      if (this.stopped || this.lost) return
      if (renewed) this.hold(renewed, sentAt)
      else this.lose('taken')
    } catch (err) {
      // The deadline decides; until then the next renewal may get through.
      this.o.log.warn({ err: (err as Error).message }, `could not renew shard ${this.o.shard}'s lease`)
    } finally {
      this.renewing = false
    }
  }

  /**
   * Holds a lease taken or renewed by a statement sent at `sentAt`: the database counted its period
   * from a moment no earlier than that, so on our clock it lasts at least until `sentAt + ttl`. It
   * is given up a margin before, for a clock that runs a little fast.
   */
  private hold(lease: Lease, sentAt: number): void {
    this.lease = lease
    const margin = Math.min(2000, this.o.ttlMs / 5)
    if (this.deadline) clearTimeout(this.deadline)
    this.deadline = setTimeout(
      () => this.lose('expired'),
      Math.max(0, sentAt + this.o.ttlMs - margin - this.now()),
    )
  }

  private lose(reason: 'taken' | 'expired'): void {
    if (this.lost || this.stopped) return
    this.lost = true
    this.clearTimers()
    this.o.log.error(
      { reason },
      reason === 'taken'
        ? `shard ${this.o.shard}'s lease has another owner: this process stops handling the shard`
        : `shard ${this.o.shard}'s lease could not be renewed in time: this process stops handling the shard before a standby takes it`,
    )
    this.o.onLost(reason)
  }

  private clearTimers(): void {
    if (this.renewTimer) clearInterval(this.renewTimer)
    if (this.deadline) clearTimeout(this.deadline)
    this.renewTimer = undefined
    this.deadline = undefined
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
