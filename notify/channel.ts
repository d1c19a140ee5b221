/**
 * What a channel is (STYLE.md: a registry of plugins, one folder each, as Telegraf's outputs are).
 * A channel declares the schema of its targets' settings, which incident transitions it tells, its
 * platform's limits, how it renders an incident for a reader's language, and how it sends. The
 * router asks it who is to hear of what; the dispatcher gives each of its targets its own queue.
 */
import type { TSchema } from 'typebox'
import type { Incident, IncidentTransition } from '../core/alert.js'
import type { Locale, Message } from '../core/i18n/index.js'
import type { Registry, School } from '../core/registry.js'
import type { Contact, Role } from './contacts.js'

/**
 * An incident transition as a person is told of it: the outbox payload of people's channels,
 * rendered by each channel when it sends, in its reader's language.
 */
export interface Notice {
  kind: 'incident'
  /** As this reader sees it: the first alert of a rule a target asks for opens the incident for it. */
  transition: IncidentTransition
  /** The incident at the transition (times epoch ms, its sentence as data). */
  incident: Incident
  /** When the transition happened (event time), who made it, and their note. */
  at: number
  by?: string
  note?: string
  /** The roles the incident concerns: their people on duty are @-mentioned in group chats. */
  roles: Role[]
  /** The one person it is addressed to (e-mail): the name its link is signed for, their language. */
  to?: { name: string; locale?: Locale }
}

/** At most `max` messages in any `perMs`. */
export interface RateWindow {
  max: number
  perMs: number
}

export interface ChannelLimits {
  /** The platform's rate limits, per target; all hold at once. */
  windows: readonly RateWindow[]
  /** Added to every window: the platform counts arrivals on its own clock. */
  marginMs?: number
  /** Messages in flight at once per target (1 keeps a target's messages in order). */
  concurrency: number
  /** The largest message the platform takes, bytes: summaries are split to fit. */
  maxBytes?: number
  /** Oldest first rather than most urgent first: programs expect transitions in order. */
  ordered?: boolean
  /**
   * A storm: `at` or more notices reaching a target within `windowMs` are gathered for up to
   * `gatherMs` (a critical one is not kept waiting) and go out as one summary.
   */
  storm?: { at: number; windowMs: number; gatherMs: number }
}

/** Why several notices go out as one message. */
export type DigestKind = 'storm' | 'history' | 'daily'

/** A configured target of a channel: its stable id (the outbox's target) and its settings. */
export interface Target<C> {
  id: string
  config: C
}

/** What rendering needs besides the notice: the registry, the reader's language, links, rotas. */
export interface Reader {
  registry: Registry
  locale: Locale
  now: number
  /** The signed, expiring link to an incident's page for `to`; undefined without PUBLIC_URL. */
  link(incident: number, to: string): string | undefined
  /** The people of these roles at the school who are on duty now. */
  onDuty(school: School, roles: readonly Role[]): Contact[]
}

export interface SendContext<C> {
  /** The outbox target: a topic, an address, a target id. */
  target: string
  config: C | undefined
  /** The outbox id (or ids) the message carries, so a receiver can drop a repeat. */
  deliveryId: string
  signal: AbortSignal
  now: number
}

export interface Channel<C = unknown, M = unknown> {
  readonly name: string
  /** Programs (every alert transition, in order) or people (incidents, rendered for a reader). */
  readonly audience: 'machines' | 'people'
  /** Who it reaches: the school's topic, the routed contacts' addresses, or its configured targets. */
  readonly reach: 'topic' | 'contacts' | 'targets' | 'none'
  /** The settings of one target under `notifications.channels.<name>`. */
  readonly config?: TSchema
  /** The incident transitions it tells. */
  readonly transitions: readonly IncidentTransition[]
  /** Tells an acknowledgement or resolution only where it told of the incident (group chats). */
  readonly closesWhatItOpened?: boolean
  /** Incidents that opened and cleared while past readings were caught up on go out as one summary. */
  readonly catchUp?: boolean
  /** Every message of the queue goes out as this summary (the daily e-mail digest). */
  readonly always?: DigestKind
  readonly limits: ChannelLimits
  /** Its targets' settings as configured for a school (default: `notifications.channels.<name>`). */
  configured?(school: School): unknown[]
  /** A target's stable id, the outbox's target: the same robot configured for many schools is one queue. */
  targetId?(config: C): string
  /** What is wrong with a target's settings beyond their schema, if anything. */
  check?(config: C): { path: string; expected: Message } | undefined
  /** Whether a target can be reached: its address (and secret) are set. */
  ready?(config: C): boolean
  /** The group's name, for the links it carries when no one person is addressed. */
  targetName?(config: C): string | undefined
  render(notice: Notice, config: C | undefined, reader: Reader): M
  /** Several notices as one message that fits the platform; says which incidents it covers. */
  digest?(
    kind: DigestKind,
    notices: Notice[],
    config: C | undefined,
    reader: Reader,
  ): { message: M; incidents: number[] }
  /** A stored payload that is not a notice (MQTT alert objects, readiness checklists, older rows). */
  raw(payload: string): M
  send(message: M, ctx: SendContext<C>): Promise<void>
}

/**
 * A failed send. `retryAfterMs`: the platform's rate limit answered, the target is paused that
 * long (and the limit was not ours to keep: another sender shares the robot).
 */
export class ChannelError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message)
    this.name = 'ChannelError'
  }
}

export const SEVERITY_PRIORITY = { info: 0, warning: 1, critical: 2 } as const

/** Five notices reaching one group or person within a minute are a storm: gathered up to 10 s into a summary. */
export const STORM = { at: 5, windowMs: 60_000, gatherMs: 10_000 } as const

/** Transitions that call people to a fault; the others follow up on one or close it. */
export const CALLS: readonly IncidentTransition[] = ['opened', 'worsened', 'escalated']

export function isNotice(x: unknown): x is Notice {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'incident'
}
