/**
 * What the group robots (WeCom, DingTalk, Feishu) share: a target is a group's webhook address,
 * given in the registry (`url`) or, as the secret it is, in the environment (`urlEnv`), with a
 * signing secret the same two ways; which incidents the group hears of (`rules`, `minSeverity`);
 * whose on-duty people are @-mentioned; the group's language. Each robot's folder has its format.
 */
import { createHash } from 'node:crypto'
import Type, { type Static } from 'typebox'
import { ENV_NAME, HTTP_URL } from '../../core/config/patterns.js'
import { LOCALES, msg } from '../../core/i18n/index.js'
import { ChannelError, type Notice, type RateWindow, type Reader, STORM } from '../channel.js'
import type { Contact } from '../contacts.js'
import { linkRecipient, mentionsFor } from '../render.js'

export function robotTarget(signed: boolean) {
  return Type.Object(
    {
      name: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 100,
          description: "the group's name (logs, and the links it is sent)",
        }),
      ),
      url: Type.Optional(Type.String({ pattern: HTTP_URL, description: "the robot's webhook address" })),
      urlEnv: Type.Optional(
        Type.String({
          pattern: ENV_NAME,
          description: 'take the webhook address from this environment variable',
        }),
      ),
      ...(signed
        ? {
            secret: Type.Optional(Type.String({ minLength: 1, description: "the robot's signing secret" })),
            secretEnv: Type.Optional(
              Type.String({
                pattern: ENV_NAME,
                description: 'take the signing secret from this environment variable',
              }),
            ),
          }
        : {}),
      rules: Type.Optional(
        Type.Array(Type.String(), {
          description: 'rule ids or prefixes (water.*) the group hears of; all when left out',
        }),
      ),
      minSeverity: Type.Optional(Type.Enum(['info', 'warning', 'critical'])),
      mention: Type.Optional(
        Type.Boolean({ default: true, description: "@-mention the on-duty people of the incident's roles" }),
      ),
      locale: Type.Optional(
        Type.Enum(LOCALES, { description: "the group's language; the school's when left out" }),
      ),
    },
    { additionalProperties: false },
  )
}

export interface RobotConfig {
  name?: string
  url?: string
  urlEnv?: string
  secret?: string
  secretEnv?: string
  rules?: string[]
  minSeverity?: 'info' | 'warning' | 'critical'
  mention?: boolean
  locale?: (typeof LOCALES)[number]
}
export type RobotSchema = Static<ReturnType<typeof robotTarget>>

type Env = Record<string, string | undefined>

export function robotBasics(env: Env) {
  const url = (c: RobotConfig) => c.url ?? (c.urlEnv ? env[c.urlEnv] || undefined : undefined)
  return {
    /** The same robot configured for many schools is one queue, one rate limit. */
    targetId: (c: RobotConfig) =>
      c.urlEnv
        ? `env:${c.urlEnv}`
        : createHash('sha256')
            .update(c.url ?? '')
            .digest('hex')
            .slice(0, 16),
    check: (c: RobotConfig) =>
      c.url || c.urlEnv
        ? undefined
        : { path: 'url', expected: msg('config.expected.anyKey', { keys: ['url', 'urlEnv'] }) },
    ready: (c: RobotConfig) => url(c) !== undefined,
    url: (c: RobotConfig): string => {
      const u = url(c)
      if (!u) throw new ChannelError(`the robot's address is not set (${c.urlEnv ?? 'url'})`)
      return u
    },
    secret: (c: RobotConfig): string | undefined =>
      c.secret ?? (c.secretEnv ? env[c.secretEnv] || undefined : undefined),
    targetName: (c: RobotConfig) => c.name,
  }
}

/** POSTs JSON to a robot; its answer's JSON (robots answer 200 with an error code inside). */
export async function postJson(
  url: string,
  body: unknown,
  signal: AbortSignal,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'schoolmeter' },
    body: JSON.stringify(body),
    signal,
  })
  const text = await res.text()
  let json: Record<string, unknown> = {}
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    if (res.status >= 200 && res.status < 300)
      throw new ChannelError(`the robot answered ${res.status} with no JSON`)
  }
  if (res.status >= 500) throw new ChannelError(`the robot answered ${res.status}`)
  return { status: res.status, json }
}

/** Markdown specials in a sentence or a name that would change how a robot shows it. */
export function escapeMarkdown(s: string): string {
  return s
    .replace(/([\\*_`[\]])/g, '\\$1')
    .replace(/</g, '‹')
    .replace(/>/g, '›')
}

/**
 * How the on-duty people are named in a group message: by the platform's mention syntax when they
 * have an id (or phone) for it, else by name.
 */
export function mentionNames(
  people: readonly Contact[],
  syntax: (c: Contact) => string | undefined,
): { names: string[]; mentionable: Contact[] } {
  const names: string[] = []
  const mentionable: Contact[] = []
  for (const c of people) {
    const m = syntax(c)
    names.push(m ?? c.name)
    if (m) mentionable.push(c)
  }
  return { names, mentionable }
}

/**
 * What every group robot is: told of every incident transition but `occurred` (of a follow-up only
 * where it told of the incident), one message at a time in order of urgency, summaries for storms
 * and for history caught up on, its targets' shared settings and address.
 */
export function groupRobot(o: {
  name: string
  signed: boolean
  env: Env
  windows: RateWindow[]
  marginMs: number
  maxBytes: number
}) {
  return {
    name: o.name,
    audience: 'people' as const,
    reach: 'targets' as const,
    config: robotTarget(o.signed),
    transitions: ['opened', 'worsened', 'escalated', 'acknowledged', 'assigned', 'resolved'] as const,
    closesWhatItOpened: true,
    catchUp: true,
    limits: { windows: o.windows, marginMs: o.marginMs, concurrency: 1, maxBytes: o.maxBytes, storm: STORM },
    ...robotBasics(o.env),
  }
}

/**
 * Whom a group message calls: the on-duty people of its notices' roles (unless the group says not
 * to), written in the platform's mention syntax where they have an id for it; and whom its links
 * are signed for.
 */
export function whoToCall(
  channel: string,
  config: RobotConfig | undefined,
  notices: Notice[],
  reader: Reader,
  syntax: (c: Contact) => string | undefined,
) {
  const people = config?.mention === false ? [] : mentionsFor(notices, reader)
  return { people, ...mentionNames(people, syntax), linkTo: linkRecipient(people, config?.name ?? channel) }
}
