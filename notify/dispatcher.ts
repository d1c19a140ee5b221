/**
 * Delivers the outbox so that nothing urgent waits on anything else. Every channel target — an
 * MQTT topic, a webhook, an e-mail address, a group robot — is a queue of its own, with its own
 * rate limit and messages in flight: a dead webhook or a locked robot holds back its own queue and
 * nothing more. Within a queue the most severe incidents go first. When many incidents reach one
 * queue in a short time (a storm), they go out as one summary, as many summaries as the platform's
 * size and rate allow, critical ones first. Incidents that opened and cleared while past readings
 * were caught up on (a backfill, a gateway's buffer, a replay) are told in one summary, not one by
 * one: a transition recorded more than `lateMs` after it happened is late, and the notices of an
 * incident that opened late wait `settleMs` to see whether it cleared meanwhile.
 *
 * The outbox stays the source of truth: a row is marked sent right after its message went, a
 * failure is retried with exponential backoff (5 s doubling to an hour) and given up after a day,
 * and every message carries its outbox id (webhook header, e-mail Message-ID), so a crash in
 * between causes at most one repeat a receiver can recognise. Queues live in memory only; they are
 * filled again from the outbox after a restart.
 */
import type { Logger } from 'pino'
import { type Locale, logLine } from '../core/i18n/index.js'
import type { Metrics } from '../core/metrics.js'
import type { Registry, School } from '../core/registry.js'
import type { AppStore, DueRow, IncidentEvent } from '../store/index.js'
import {
  CALLS,
  type Channel,
  ChannelError,
  type DigestKind,
  isNotice,
  type Notice,
  type Reader,
} from './channel.js'
import { type Clock, systemClock } from './clock.js'
import { onDuty } from './contacts.js'
import { RateLimiter } from './limiter.js'
import { ChannelTargets } from './targets.js'

export interface DispatcherOptions {
  store: AppStore
  registry: Registry
  channels: readonly Channel[]
  targets?: ChannelTargets
  log: Logger
  metrics?: Metrics
  /** The signed link to an incident's page for a recipient; none without PUBLIC_URL. */
  link?: (incident: number, to: string, now: number) => string | undefined
  clock?: Clock
  /** How often the outbox is read besides when a transition wakes the dispatcher. */
  pollMs?: number
  firstRetryMs?: number
  maxRetryMs?: number
  giveUpAfterMs?: number
  /** How long one send may take before it counts as failed. */
  sendTimeoutMs?: number
  /** A transition recorded this long after it happened is late: past readings being caught up on. */
  lateMs?: number
  /** How long the notices of an incident that opened late wait to see whether it clears. */
  settleMs?: number
  /** Rows read into a queue at a time. */
  batch?: number
  /**
   * The schools whose notifications this service sends (a sharded worker's, SHARD): the outbox is
   * shared by every worker of the district, and each row goes out once, from its school's owner.
   * Every row when undefined.
   */
  schools?: readonly string[]
}

interface Entry {
  row: DueRow
  notice?: Notice
  /** Opened and cleared while past readings were caught up on. */
  history: boolean
  enqueuedAt: number
}

/** What a queue sends next. */
type Pick =
  | { kind: 'single'; entry: Entry }
  | { kind: DigestKind; entries: Entry[] }
  | { kind: 'wait'; until: number }
  | undefined

class Queue {
  readonly entries = new Map<number, Entry>()
  readonly inFlight = new Set<number>()
  sending = 0
  /** When notices entered the queue (storm detection). */
  arrivals: number[] = []
  pausedUntil = 0
  timer: unknown
  timerAt = Number.POSITIVE_INFINITY
  readonly limiter: RateLimiter

  constructor(
    readonly channel: Channel,
    readonly target: string,
    readonly config: unknown,
  ) {
    this.limiter = new RateLimiter(channel.limits.windows, channel.limits.marginMs ?? 0)
  }

  knows(id: number): boolean {
    return this.entries.has(id) || this.inFlight.has(id)
  }
}

export class Dispatcher {
  private readonly clock: Clock
  private readonly queues = new Map<string, Queue>()
  private readonly channels: Map<string, Channel>
  private readonly targets: ChannelTargets
  private readonly sends = new Set<Promise<void>>()
  private readonly aborts = new Set<AbortController>()
  private pollTimer: unknown
  private pollQueued = false
  /** The reading of the outbox under way, if any: one at a time. */
  private polling: Promise<void> | undefined
  /** Something was written while the outbox was being read: read it again. */
  private pollAgain = false
  /**
   * Rows sent, retried or given up on since the reading under way began: what it read of them
   * may be older than what was written.
   */
  private readonly settled = new Set<number>()
  private stopped = false
  private readonly unknownChannels = new Set<string>()

  constructor(private readonly o: DispatcherOptions) {
    this.clock = o.clock ?? systemClock
    this.channels = new Map(o.channels.map((c) => [c.name, c]))
    this.targets = o.targets ?? new ChannelTargets(o.registry, o.channels)
  }

  start(): void {
    this.stopped = false
    this.schedulePoll()
    this.wake()
  }

  /**
   * Stops reading the outbox and abandons the messages in flight: they are still waiting in the
   * outbox and go out after the next start, with the same delivery id.
   */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.pollTimer !== undefined) this.clock.clearTimeout(this.pollTimer)
    for (const q of this.queues.values()) if (q.timer !== undefined) this.clock.clearTimeout(q.timer)
    for (const abort of this.aborts) abort.abort(new ChannelError('the service is stopping'))
    await this.idle()
  }

  /** Something was written to the outbox: read it soon (once, however many transitions call). */
  wake(): void {
    if (this.stopped || this.pollQueued) return
    this.pollQueued = true
    queueMicrotask(() => {
      this.pollQueued = false
      void this.poll()
    })
  }

  /** Reads the outbox now and sets what is due going; resolves once it is read, not once sent. */
  readNow(): Promise<void> {
    return this.poll()
  }

  /** Reads what is due now and sends what may go; resolves when nothing is in flight (tests). */
  async drain(): Promise<void> {
    await this.poll()
    await this.idle()
  }

  /** Resolves once no message is in flight and the outbox is not being read. */
  async idle(): Promise<void> {
    while (this.sends.size || this.polling || this.pollQueued)
      await Promise.allSettled([...this.sends, this.polling])
  }

  private schedulePoll(): void {
    if (this.stopped) return
    this.pollTimer = this.clock.setTimeout(() => {
      void this.poll()
      this.schedulePoll()
    }, this.o.pollMs ?? 1000)
  }

  /**
   * Reads the outbox, one reading at a time: asked while one is under way, it reads again once
   * that one has finished (what was just written may have come too late for it).
   */
  private poll(): Promise<void> {
    if (this.polling !== undefined) {
      this.pollAgain = true
      return this.polling
    }
    this.polling = (async () => {
      try {
        do {
          this.pollAgain = false
          this.settled.clear()
          await this.read()
        } while (this.pollAgain && !this.stopped)
      } finally {
        this.polling = undefined
      }
    })()
    return this.polling
  }

  /** Fills the queues from the outbox and sets them going. */
  private async read(): Promise<void> {
    if (this.stopped) return
    try {
      const now = this.clock.now()
      const store = this.o.store
      const events = new Map<number, IncidentEvent[]>()
      const schools = this.o.schools
      for (const lane of await store.outbox.lanesDue(now, schools)) {
        const channel = this.channels.get(lane.channel)
        if (!channel) {
          if (!this.unknownChannels.has(lane.channel)) {
            this.unknownChannels.add(lane.channel)
            this.o.log.error(
              { channel: lane.channel },
              'the outbox holds notifications for a channel this service does not have; they wait',
            )
          }
          continue
        }
        const q = this.queue(channel, lane.target)
        if (q.entries.size >= (this.o.batch ?? 100)) continue
        for (const row of await store.outbox.dueIn(
          lane.channel,
          lane.target,
          now,
          this.o.batch ?? 100,
          schools,
        )) {
          if (q.knows(row.id) || this.settled.has(row.id)) continue
          const entry = await this.admit(q, row, now, events)
          if (!entry) continue
          q.entries.set(row.id, entry)
          const storm = channel.limits.storm
          if (storm && !entry.history) {
            q.arrivals.push(now)
            if (q.arrivals.length > 4 * storm.at)
              q.arrivals = q.arrivals.filter((t) => t > now - storm.windowMs)
          }
        }
        this.pump(q)
      }
      this.o.metrics?.outboxPending.set(await store.outbox.pending(schools))
    } catch (err) {
      this.o.log.error({ err }, 'reading the notification outbox failed; trying again')
    }
  }

  /**
   * A due row as a queue entry, or undefined when it is not to be sent now: held while history
   * settles, or settled without a message (a follow-up of an incident this target never heard of).
   */
  private async admit(
    q: Queue,
    row: DueRow,
    now: number,
    events: Map<number, IncidentEvent[]>,
  ): Promise<Entry | undefined> {
    let notice: Notice | undefined
    try {
      const parsed = JSON.parse(row.payload) as unknown
      if (isNotice(parsed)) notice = parsed
    } catch {
      // Not JSON (an MQTT payload): sent as stored.
    }
    let history = false
    if (notice && row.incident !== undefined && q.channel.catchUp && !q.channel.always) {
      let evs = events.get(row.incident)
      if (!evs) {
        evs = await this.o.store.incidents.events(row.incident)
        events.set(row.incident, evs)
      }
      const opened = evs.find((e) => e.transition === 'opened')
      if (opened && opened.recordedAt - opened.at > (this.o.lateMs ?? 15 * 60_000)) {
        const settled = opened.recordedAt + (this.o.settleMs ?? 120_000)
        if (now < settled) {
          await this.o.store.outbox.postpone(row.id, settled)
          return undefined
        }
        const resolved = evs.find((e) => e.transition === 'resolved')
        history = resolved !== undefined && resolved.recordedAt <= settled
        // Told after the fact, it is told as it stands now, not as it was hours ago in the history.
        const current = history ? undefined : await this.o.store.incidents.get(row.incident)
        if (current) notice = { ...notice, incident: current }
      }
    }
    if (
      notice &&
      !history &&
      q.channel.closesWhatItOpened &&
      row.incident !== undefined &&
      !CALLS.includes(notice.transition) &&
      // A group that asks for some rules was told of the incident when one of them joined it.
      !(await this.o.store.outbox.announced(row.incident, q.channel.name, q.target, [...CALLS, 'occurred']))
    ) {
      await this.o.store.outbox.sent(row.id, now, 'skipped')
      this.o.metrics?.notifications.inc({ channel: q.channel.name, result: 'skipped' })
      return undefined
    }
    return { row, ...(notice ? { notice } : {}), history, enqueuedAt: now }
  }

  private queue(channel: Channel, target: string): Queue {
    const key = `${channel.name}\u0000${target}`
    let q = this.queues.get(key)
    if (!q) {
      q = new Queue(channel, target, this.targets.get(channel.name, target)?.config)
      this.queues.set(key, q)
    }
    return q
  }

  /** Sends from a queue while its limits allow; otherwise sets a timer for when they will. */
  private pump(q: Queue): void {
    while (!this.stopped && q.sending < q.channel.limits.concurrency && q.entries.size) {
      const now = this.clock.now()
      const wait = Math.max(q.pausedUntil - now, q.limiter.waitMs(now))
      if (wait > 0) {
        this.wakeAt(q, now + wait)
        return
      }
      const pick = this.pick(q, now)
      if (!pick) return
      if (pick.kind === 'wait') {
        this.wakeAt(q, pick.until)
        return
      }
      const entries = pick.kind === 'single' ? [pick.entry] : pick.entries
      this.send(q, pick.kind, entries, now)
    }
  }

  private wakeAt(q: Queue, at: number): void {
    if (q.timer !== undefined && q.timerAt <= at) return
    if (q.timer !== undefined) this.clock.clearTimeout(q.timer)
    q.timerAt = at
    q.timer = this.clock.setTimeout(
      () => {
        q.timer = undefined
        q.timerAt = Number.POSITIVE_INFINITY
        this.pump(q)
      },
      Math.max(0, at - this.clock.now()),
    )
  }

  /** What goes next: the most urgent notice alone, or a summary when the queue is in a storm. */
  private pick(q: Queue, now: number): Pick {
    const all = [...q.entries.values()]
    const { channel } = q
    if (channel.always && channel.digest) {
      // Rows written before notices were kept as data hold a finished message: sent as it is.
      const notices = all.filter((e) => e.notice)
      return notices.length ? { kind: channel.always, entries: notices } : { kind: 'single', entry: all[0]! }
    }
    const current = all.filter((e) => !e.history)
    if (!current.length) return { kind: 'history', entries: all }
    const ordered = channel.limits.ordered
      ? current.sort((a, b) => a.row.id - b.row.id)
      : this.byUrgency(current)
    const top = ordered[0]!
    const storm = channel.limits.storm
    if (!storm || !channel.digest || !top.notice) return { kind: 'single', entry: top }
    q.arrivals = q.arrivals.filter((t) => t > now - storm.windowMs)
    if (q.arrivals.length < storm.at) return { kind: 'single', entry: top }
    // A storm: gather what comes for a while, unless someone must hear of a critical fault now.
    const notices = ordered.filter((e) => e.notice)
    const critical = notices.some((e) => e.notice!.incident.severity === 'critical')
    const oldest = Math.min(...notices.map((e) => e.enqueuedAt))
    if (!critical && now < oldest + storm.gatherMs) return { kind: 'wait', until: oldest + storm.gatherMs }
    return notices.length === 1 ? { kind: 'single', entry: top } : { kind: 'storm', entries: notices }
  }

  /** Most severe incident first (all of an incident's notices at its most severe), then oldest. */
  private byUrgency(entries: Entry[]): Entry[] {
    const urgency = new Map<number, number>()
    for (const e of entries) {
      const id = e.row.incident ?? -e.row.id
      urgency.set(id, Math.max(urgency.get(id) ?? 0, e.row.priority))
    }
    const u = (e: Entry) => urgency.get(e.row.incident ?? -e.row.id) ?? e.row.priority
    return entries.sort((a, b) => u(b) - u(a) || a.row.id - b.row.id)
  }

  private send(q: Queue, kind: 'single' | DigestKind, entries: Entry[], now: number): void {
    let message: unknown
    let covered: Entry[]
    try {
      if (kind === 'single') {
        const e = entries[0]!
        message = e.notice
          ? q.channel.render(e.notice, q.config, this.reader(q, e.notice, now))
          : q.channel.raw(e.row.payload)
        covered = [e]
      } else {
        const notices = entries.map((e) => e.notice!)
        const d = q.channel.digest!(kind, notices, q.config, this.reader(q, notices[0]!, now))
        const ids = new Set(d.incidents)
        covered = entries.filter((e) => ids.has(e.notice!.incident.id))
        message = d.message
      }
    } catch (err) {
      // A notice this service cannot render will not render later either.
      this.o.log.error(
        { err, channel: q.channel.name, target: q.target },
        'a notification could not be rendered; dropped',
      )
      const reason = logLine`cannot render: ${(err as Error).message}`
      const dropping = (async () => {
        for (const e of entries) await this.o.store.outbox.failed(e.row.id, now, reason)
      })()
      this.track(q, entries, dropping)
      return
    }
    q.limiter.record(now)
    const first = covered[0]!.row.id
    const deliveryId = covered.length === 1 ? String(first) : `${first}-${covered.length}`
    this.track(
      q,
      covered,
      this.attempt(q, message, deliveryId, now).then(
        () => this.sent(q, covered, kind === 'single' ? 'sent' : 'digest'),
        (err: unknown) => this.failed(q, covered, err),
      ),
    )
  }

  /** Holds `entries` in flight until `outcome` (their sending and its record) has settled. */
  private track(q: Queue, entries: Entry[], outcome: Promise<void>): void {
    for (const e of entries) {
      q.entries.delete(e.row.id)
      q.inFlight.add(e.row.id)
    }
    q.sending++
    const sending = outcome
      .catch((err: unknown) =>
        this.o.log.error(
          { err, channel: q.channel.name },
          'could not record how a notification went; the outbox will send it again',
        ),
      )
      .finally(() => {
        for (const e of entries) {
          q.inFlight.delete(e.row.id)
          if (this.polling !== undefined) this.settled.add(e.row.id)
        }
        q.sending--
        this.sends.delete(sending)
        // More may be waiting in the outbox than the queue holds: read it again at once.
        if (q.entries.size === 0) this.wake()
        else this.pump(q)
      })
    this.sends.add(sending)
  }

  /** One send, given up after `sendTimeoutMs` (the channel is told to abort, where it can). */
  private attempt(q: Queue, message: unknown, deliveryId: string, now: number): Promise<void> {
    const abort = new AbortController()
    this.aborts.add(abort)
    const timeoutMs = this.o.sendTimeoutMs ?? 10_000
    let timer: unknown
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(
        () => abort.abort(new ChannelError(`no answer within ${timeoutMs / 1000} s`)),
        timeoutMs,
      )
      // Whatever the channel does with the signal, the attempt ends when it fires.
      abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true })
    })
    const send = q.channel.send(message, {
      target: q.target,
      config: q.config,
      deliveryId,
      signal: abort.signal,
      now,
    })
    return Promise.race([send, timeout]).finally(() => {
      this.clock.clearTimeout(timer)
      this.aborts.delete(abort)
    })
  }

  private async sent(q: Queue, entries: Entry[], outcome: 'sent' | 'digest'): Promise<void> {
    const at = this.clock.now()
    await this.o.store.atomically(async (tx) => {
      for (const e of entries) await tx.outbox.sent(e.row.id, at, outcome)
    })
    this.o.metrics?.notifications.inc({ channel: q.channel.name, result: outcome }, entries.length)
  }

  private async failed(q: Queue, entries: Entry[], err: unknown): Promise<void> {
    const now = this.clock.now()
    const message = (err as Error)?.message ?? String(err)
    const retryAfter = err instanceof ChannelError ? err.retryAfterMs : undefined
    const channel = q.channel.name
    if (retryAfter) {
      q.pausedUntil = Math.max(q.pausedUntil, now + retryAfter)
      q.limiter.lock(now + retryAfter)
      this.o.log.warn(
        { channel, target: q.target, err: message, pausedSeconds: retryAfter / 1000 },
        'the platform is rate limiting this target; its queue waits (the others do not)',
      )
    }
    await this.o.store.atomically(async (tx) => {
      for (const { row } of entries) {
        if (now - row.createdAt >= (this.o.giveUpAfterMs ?? 86_400_000)) {
          await tx.outbox.failed(row.id, now, message)
          this.o.metrics?.notifications.inc({ channel, result: 'failed' })
          this.o.log.error(
            { outbox: row.id, channel, target: q.target, err: message },
            'gave up on a notification after a day of retries',
          )
          continue
        }
        const backoff = Math.min(
          (this.o.firstRetryMs ?? 5000) * 2 ** row.attempts,
          this.o.maxRetryMs ?? 3_600_000,
        )
        await tx.outbox.retry(row.id, now + Math.max(backoff, retryAfter ?? 0), message)
        this.o.metrics?.notifications.inc({ channel, result: 'retry' })
        if (row.attempts === 0 && !retryAfter)
          this.o.log.warn(
            { outbox: row.id, channel, target: q.target, err: message },
            'notification failed; retrying with backoff',
          )
      }
    })
  }

  /** The reader of a queue's message: the person's language, else the group's, else the school's. */
  private reader(q: Queue, notice: Notice, now: number): Reader {
    const registry = this.o.registry
    const school = registry.schools.get(notice.incident.school)
    const configured = (q.config as { locale?: Locale } | undefined)?.locale
    return {
      registry,
      locale: notice.to?.locale ?? configured ?? school?.locale ?? registry.locale,
      now,
      link: (incident, to) => this.o.link?.(incident, to, now),
      onDuty: (s: School, roles) => onDuty(s, roles, now),
    }
  }
}
