/**
 * Delivers the outbox: due notifications are sent through their channel and marked sent; a
 * failure is retried with exponential backoff (5 s doubling to an hour) and given up after a day.
 * Rows survive restarts, so nothing is lost; a row is marked sent right after its send succeeds,
 * and every delivery carries its outbox id (webhook header, e-mail Message-ID) so that a receiver
 * can drop the one repeat a crash in between could cause. Digest rows wait until their time and
 * go out as one e-mail per recipient.
 */
import type { Logger } from 'pino'
import type { Metrics } from '../../core/metrics.js'
import type { OutboxRow, Store } from '../../store/index.js'
import type { Email } from './router.js'

export interface Senders {
  mqtt?: (topic: string, payload: string) => Promise<void>
  webhook?: (url: string, body: string, delivery: OutboxRow) => Promise<void>
  email?: (to: string, mail: Email, messageId: string) => Promise<void>
}

export interface DispatcherOptions {
  store: Store
  senders: Senders
  log: Logger
  metrics?: Metrics
  now?: () => number
  pollMs?: number
  firstRetryMs?: number
  maxRetryMs?: number
  giveUpAfterMs?: number
}

export class Dispatcher {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false
  private stopped = false
  private readonly now: () => number

  constructor(private readonly o: DispatcherOptions) {
    this.now = o.now ?? Date.now
  }

  start(): void {
    this.timer = setInterval(() => this.wake(), this.o.pollMs ?? 1000)
    this.timer.unref()
    this.wake()
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    await this.running
  }

  /** Sends what is due now; a call while sending makes the loop go round once more. */
  wake(): void {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = (async () => {
      do {
        this.again = false
        await this.drain()
      } while (this.again && !this.stopped)
    })()
      .catch((err) => this.o.log.error({ err }, 'notification dispatch failed'))
      .finally(() => {
        this.running = undefined
      })
  }

  /** Sends everything due; resolves when done (tests await it). */
  async drain(): Promise<void> {
    const now = this.now()
    const due = this.o.store.outbox.due(now, 500)
    const digests = new Map<string, OutboxRow[]>()
    for (const row of due) {
      if (this.stopped) break
      if (row.channel === 'digest') {
        const list = digests.get(row.target) ?? []
        list.push(row)
        digests.set(row.target, list)
        continue
      }
      await this.send([row], () => this.deliver(row))
    }
    for (const [to, rows] of digests) await this.send(rows, () => this.deliverDigest(to, rows))
    this.o.metrics?.outboxPending.set(this.o.store.outbox.pending())
  }

  private async send(rows: OutboxRow[], attempt: () => Promise<void>): Promise<void> {
    const channel = rows[0]!.channel
    try {
      await attempt()
      const at = this.now()
      this.o.store.db.transaction(() => {
        for (const r of rows) this.o.store.outbox.sent(r.id, at)
      })()
      this.o.metrics?.notifications.inc({ channel, result: 'sent' }, rows.length)
    } catch (err) {
      const message = (err as Error).message ?? String(err)
      const now = this.now()
      for (const r of rows) {
        if (now - r.createdAt >= (this.o.giveUpAfterMs ?? 86_400_000)) {
          this.o.store.outbox.failed(r.id, now, message)
          this.o.metrics?.notifications.inc({ channel, result: 'failed' })
          this.o.log.error(
            { outbox: r.id, channel, target: r.target, err: message },
            'gave up on a notification after a day of retries',
          )
        } else {
          const delay = Math.min(
            (this.o.firstRetryMs ?? 5000) * 2 ** r.attempts,
            this.o.maxRetryMs ?? 3_600_000,
          )
          this.o.store.outbox.retry(r.id, now + delay, message)
          this.o.metrics?.notifications.inc({ channel, result: 'retry' })
          if (r.attempts === 0)
            this.o.log.warn(
              { outbox: r.id, channel, target: r.target, err: message },
              'notification failed; retrying with backoff',
            )
        }
      }
    }
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const s = this.o.senders
    if (row.channel === 'mqtt') {
      if (!s.mqtt) throw new Error('no MQTT publisher')
      return s.mqtt(row.target, row.payload)
    }
    if (row.channel === 'webhook') {
      if (!s.webhook) throw new Error('no webhook sender')
      return s.webhook(row.target, row.payload, row)
    }
    if (row.channel === 'email') {
      if (!s.email) throw new Error('e-mail is not configured (SMTP_URL)')
      return s.email(row.target, JSON.parse(row.payload) as Email, `<outbox-${row.id}@schoolmeter>`)
    }
    throw new Error(`unknown channel ${row.channel}`)
  }

  private async deliverDigest(to: string, rows: OutboxRow[]): Promise<void> {
    if (!this.o.senders.email) throw new Error('e-mail is not configured (SMTP_URL)')
    const mails = rows.map((r) => JSON.parse(r.payload) as Email)
    const text = mails
      .map((m, i) => `${i + 1}. ${m.subject}\n\n${m.text}`)
      .join('\n----------------------------------------\n\n')
    await this.o.senders.email(
      to,
      { subject: `Daily digest: ${rows.length} waste alert${rows.length === 1 ? '' : 's'}`, text },
      `<digest-${rows[0]!.id}-${rows.length}@schoolmeter>`,
    )
  }
}
