/**
 * Notifications: who hears of what (router), in which words (each channel, in its reader's
 * language), and delivery that never lets one channel hold back another (dispatcher). `Notify`
 * is the part's start()/stop(); `router` is what the alert manager hands its transitions to.
 */
import type { Logger } from 'pino'
import type { Env } from '../core/config/env.js'
import { incidentLink, LINK_LIFETIME_MS, LinkSigner, linkSecret } from '../core/links.js'
import type { Metrics } from '../core/metrics.js'
import type { Registry } from '../core/registry.js'
import type { Store } from '../store/index.js'
import type { Channel } from './channel.js'
import { defaultChannels } from './channels/index.js'
import type { Clock } from './clock.js'
import { Dispatcher } from './dispatcher.js'
import { Router } from './router.js'
import { ChannelTargets } from './targets.js'

export type { Channel, ChannelLimits, DigestKind, Notice, Reader, SendContext } from './channel.js'
export { CALLS, ChannelError } from './channel.js'
export { dingtalkSign } from './channels/dingtalk/index.js'
export { type Email, emailChannel } from './channels/email/index.js'
export { feishuSign } from './channels/feishu/index.js'
export { type ChannelDeps, defaultChannels } from './channels/index.js'
export { sign, webhookChannel } from './channels/webhook/index.js'
export { type Clock, systemClock } from './clock.js'
export {
  type Contact,
  contactsOf,
  DEFAULT_DIGEST_RULES,
  DEFAULT_ROUTES,
  emailsOf,
  onDuty,
  type Role,
} from './contacts.js'
export { Dispatcher, type DispatcherOptions } from './dispatcher.js'
export { Router, type RouterOptions } from './router.js'
export { ChannelTargets } from './targets.js'

/** The channels people read: what counts as a notification to a person (bench/evaluation). */
export const PEOPLE_CHANNELS: ReadonlySet<string> = new Set(
  defaultChannels({ env: {} })
    .filter((c) => c.audience === 'people')
    .map((c) => c.name),
)

/** `{PUBLIC_URL}/i/{token}`: a signed, expiring link to one incident for one recipient. */
export function linkMaker(publicUrl: string, signer: LinkSigner, lifetimeMs = LINK_LIFETIME_MS) {
  return (incident: number, to: string, now: number): string =>
    incidentLink(publicUrl, signer.sign({ incident, to, exp: Math.floor((now + lifetimeMs) / 1000) }))
}

export interface NotifyOptions {
  registry: Registry
  store: Store
  env: Env
  /** Where targets' `urlEnv` and `secretEnv` point, besides `env` (default: the process's environment). */
  vars?: Record<string, string | undefined>
  log: Logger
  metrics?: Metrics
  /** Publishes on the broker (MQTT); called once the broker runs. */
  publish: (topic: string, payload: string) => Promise<void>
  clock?: Clock
  channels?: Channel[]
  /** Signs the links in messages (default: with `linkSecret(env, store.meta)`); the web app verifies them. */
  links?: LinkSigner
  /**
   * The schools whose notifications this service sends (a sharded worker's), of the district in
   * `registry`: any worker plans the notifications of any school's transitions (a person acts on
   * an incident through whichever worker serves them), the school's owner sends them.
   */
  schools?: readonly string[]
}

export class Notify {
  readonly router: Router
  readonly dispatcher: Dispatcher
  private readonly channels: Channel[]
  private running = false

  constructor(private readonly o: NotifyOptions) {
    const vars: Record<string, string | undefined> = { ...(o.vars ?? process.env) }
    for (const [k, v] of Object.entries(o.env)) if (typeof v === 'string') vars[k] = v
    this.channels =
      o.channels ??
      defaultChannels({
        env: vars,
        publish: o.publish,
        smtp: { ...(o.env.SMTP_URL ? { smtpUrl: o.env.SMTP_URL } : {}), from: o.env.SMTP_FROM },
      })
    const targets = new ChannelTargets(o.registry, this.channels)
    this.router = new Router({
      registry: o.registry,
      email: !!o.env.SMTP_URL,
      channels: this.channels,
      targets,
      env: vars,
    })
    const link = o.env.PUBLIC_URL
      ? linkMaker(o.env.PUBLIC_URL, o.links ?? new LinkSigner(linkSecret(o.env, o.store.meta)))
      : undefined
    this.dispatcher = new Dispatcher({
      store: o.store,
      registry: o.registry,
      channels: this.channels,
      targets,
      log: o.log,
      ...(o.metrics ? { metrics: o.metrics } : {}),
      ...(link ? { link } : {}),
      ...(o.clock ? { clock: o.clock } : {}),
      ...(o.schools ? { schools: o.schools } : {}),
    })
    this.describe(targets)
  }

  start(): void {
    this.running = true
    this.dispatcher.start()
  }

  stop(): Promise<void> {
    this.running = false
    return this.dispatcher.stop()
  }

  /**
   * A transition was committed: its notifications are in the outbox. Before the start (the
   * journal's replay) nothing is sent: the start reads the outbox.
   */
  wake(): void {
    if (this.running) this.dispatcher.wake()
  }

  /** Says at start-up what reaches people, and what is configured but cannot be reached. */
  private describe(targets: ChannelTargets): void {
    const { log, env } = this.o
    if (!env.SMTP_URL)
      log.info('SMTP_URL is not set: incidents are not e-mailed (MQTT, webhooks and group robots still are)')
    if (!env.PUBLIC_URL)
      log.info('PUBLIC_URL is not set: notifications carry no link to the incident; they say how to get one')
    for (const c of this.channels) {
      if (c.reach !== 'targets' || !c.ready) continue
      for (const t of targets.all(c.name))
        if (!c.ready(t.config))
          log.warn(
            { channel: c.name, target: t.id },
            `a ${c.name} target's address is not set (its urlEnv variable is empty): nothing is sent there`,
          )
    }
  }
}
