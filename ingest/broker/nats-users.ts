/**
 * The logins of a NATS cluster that carries the schools' MQTT (deploy/cluster/, docs/scaling.md),
 * made from the gateway logins `npm run admin -- gateway` keeps: one NATS user per active gateway
 * with the rights the embedded broker gives it (security.ts: mayPublish, maySubscribe), and the
 * workers' user. Nobody else can log in. On a cluster the broker is the only one that knows which
 * gateway sent a message, so it is where a gateway is held to its school.
 *
 * NATS sees the MQTT topic `schools/a/meters/m` as the subject `schools.a.meters.m` (NATS 2.9
 * refuses a `.` in a topic and closes the connection; later versions carry it as `//`, within one
 * token, so a school's `>` still covers it). A QoS 1 subscription is delivered through a
 * JetStream consumer to `$MQTT.sub.<id>`, which the subscriber must be allowed to subscribe to;
 * NATS refuses MQTT subscriptions to `$MQTT/…` itself, and these users may log in over MQTT only
 * (`allowed_connection_types`), so that right reaches no other session's messages.
 *
 * Passwords are bcrypt hashes (the only hashed form NATS takes; a login whose password predates
 * the bcrypt hash is left out and named, to be rotated). Every value written comes from a closed
 * alphabet — usernames and school ids by their patterns, hashes by bcrypt's — and is quoted; a
 * login with anything else is left out and named rather than written into the file.
 */
import { DEVICE_ID, SCHOOL_ID } from '../../core/config/patterns.js'
import type { GatewayCredential } from '../../store/index.js'

/** Where NATS delivers a QoS 1 subscription's messages to an MQTT session. */
const MQTT_DELIVERY = '$MQTT.sub.>'

export interface NatsPermissions {
  publish: { allow: string[]; deny?: string[] }
  subscribe: { allow: string[] }
}

/**
 * A gateway's rights as subjects: it publishes under `schools/{school}/` but not at or below its
 * school's `alerts` and `rejected` (the service's own topics), and subscribes to exactly its
 * `rejected` topic, and its `alerts` topic when allowed.
 */
export function gatewayPermissions(
  c: Pick<GatewayCredential, 'schoolId' | 'maySubscribeAlerts'>,
): NatsPermissions {
  const school = `schools.${c.schoolId}`
  return {
    publish: {
      allow: [`${school}.>`],
      deny: ['alerts', 'rejected'].flatMap((own) => [`${school}.${own}`, `${school}.${own}.>`]),
    },
    subscribe: {
      allow: [MQTT_DELIVERY, `${school}.rejected`, ...(c.maySubscribeAlerts ? [`${school}.alerts`] : [])],
    },
  }
}

/**
 * The workers': every school's topics (`schools/#` is the subjects `schools` and `schools.>`; a
 * shard's worker subscribes to `schools/{school}/+/+`), and publishing what the service publishes —
 * alerts and rejections.
 */
export const WORKER_PERMISSIONS: NatsPermissions = {
  publish: { allow: ['schools.*.alerts', 'schools.*.rejected'] },
  subscribe: { allow: ['schools', 'schools.>', MQTT_DELIVERY] },
}

const usernamePattern = new RegExp(DEVICE_ID)
const schoolPattern = new RegExp(SCHOOL_ID)
/** What bcrypt writes: `$2a$`/`$2b$`/`$2y$`, a two-digit cost, 22 characters of salt and 31 of hash. */
const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/

export interface NatsUsers {
  /** The NATS configuration: an `authorization` block for nats.conf to include. */
  text: string
  /** Gateways written, by username. */
  gateways: string[]
  /** Active gateways left out because their password has no bcrypt hash yet: rotate them. */
  needRotation: string[]
  /**
   * Active gateways left out because their username or school cannot be a NATS user's (outside
   * the patterns a login is made with, or the workers' own username).
   */
  unsafe: string[]
}

type Value = string | Value[] | { [key: string]: Value | undefined }

/**
 * A value in NATS' configuration syntax. Strings are quoted and never carry a quote, a backslash
 * or a control character (the inputs are checked before; this is the last guard).
 */
function write(value: Value): string {
  if (typeof value === 'string') {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    if (/["\\\u0000-\u001f\u007f]/.test(value)) throw new Error(`cannot quote ${JSON.stringify(value)}`)
    return `"${value}"`
  }
  if (Array.isArray(value)) return `[${value.map(write).join(', ')}]`
  const fields = Object.entries(value).filter((e): e is [string, Value] => e[1] !== undefined)
  return `{ ${fields.map(([k, v]) => `${k}: ${write(v)}`).join(', ')} }`
}

function user(login: Value, password: Value, permissions: NatsPermissions): string {
  return write({
    user: login,
    password,
    allowed_connection_types: ['MQTT'],
    permissions: permissions as unknown as Value,
  })
}

export interface NatsUsersOptions {
  /**
   * The workers' login (their MQTT_USERNAME, and MQTT_PASSWORD's bcrypt hash). Written as a hash
   * rather than read by each node from its environment: NATS parses a variable's value as
   * configuration, so a random password such as `3e5a…` or one with a space would not load.
   */
  worker: { username: string; bcryptHash: string }
  /** Comment lines at the top, in the operator's language. */
  header?: string[]
}

/** Whether a username can be the workers' NATS user: written as it is, so from a closed alphabet. */
export function isWorkerUsername(username: string): boolean {
  return usernamePattern.test(username)
}

/** The NATS users for these gateway logins; revoked ones are left out. */
export function natsUsers(credentials: readonly GatewayCredential[], o: NatsUsersOptions): NatsUsers {
  if (!isWorkerUsername(o.worker.username) || !BCRYPT_HASH.test(o.worker.bcryptHash))
    throw new Error("the workers' NATS username or password hash cannot be written")
  const out: NatsUsers = { text: '', gateways: [], needRotation: [], unsafe: [] }
  const lines = [
    ...(o.header ?? []).map((h) => `# ${h.replace(/[\r\n]+/g, ' ')}`),
    'authorization {',
    '  users: [',
    `    ${user(o.worker.username, o.worker.bcryptHash, WORKER_PERMISSIONS)}`,
  ]
  const active = credentials
    .filter((c) => c.revokedAt === undefined)
    .sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0))
  for (const c of active) {
    if (
      !usernamePattern.test(c.username) ||
      !schoolPattern.test(c.schoolId) ||
      c.username === o.worker.username
    ) {
      out.unsafe.push(c.username)
    } else if (c.bcryptHash === undefined || !BCRYPT_HASH.test(c.bcryptHash)) {
      out.needRotation.push(c.username)
    } else {
      lines.push(`    ${user(c.username, c.bcryptHash, gatewayPermissions(c))}`)
      out.gateways.push(c.username)
    }
  }
  lines.push('  ]', '}', '')
  out.text = lines.join('\n')
  return out
}
