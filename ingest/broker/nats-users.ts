/**
 * The logins of a NATS cluster that carries the schools' MQTT (deploy/cluster/, docs/scaling.md),
 * made from the gateway logins `npm run admin -- gateway` keeps: one NATS user per active gateway
 * with the rights the embedded broker gives it (security.ts: mayPublish, maySubscribe), and the
 * workers' user. Nobody else can log in. On a cluster the broker is the only one that knows which
 * gateway sent a message, so it is where a gateway is held to its school.
 *
 * NATS sees the MQTT topic `schools/a/meters/m` as the subject `schools.a.meters.m` (a `.` in a
 * topic level becomes `//`, still one token). A QoS 1 subscription is delivered through a
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

/** The environment variables each NATS node reads the workers' login from (deploy/cluster/compose.yml). */
export const WORKER_USER_VARIABLE = 'NATS_WORKER_USER'
export const WORKER_PASSWORD_VARIABLE = 'NATS_WORKER_PASSWORD'

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

/** A NATS config value: a variable reference, written as it is. */
class Variable {
  constructor(readonly name: string) {}
}
type Value = string | Variable | Value[] | { [key: string]: Value | undefined }

/**
 * A value in NATS' configuration syntax. Strings are quoted and never carry a quote, a backslash
 * or a control character (the inputs are checked before; this is the last guard).
 */
function write(value: Value): string {
  if (value instanceof Variable) return `$${value.name}`
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
  /** Comment lines at the top, in the operator's language. */
  header?: string[]
  /** The workers' NATS username where it is known: a gateway of that name would clash with it. */
  workerUsername?: string
}

/** The NATS users for these gateway logins; revoked ones are left out. */
export function natsUsers(credentials: readonly GatewayCredential[], o: NatsUsersOptions = {}): NatsUsers {
  const out: NatsUsers = { text: '', gateways: [], needRotation: [], unsafe: [] }
  const lines = [
    ...(o.header ?? []).map((h) => `# ${h.replace(/[\r\n]+/g, ' ')}`),
    'authorization {',
    '  users: [',
    `    ${user(new Variable(WORKER_USER_VARIABLE), new Variable(WORKER_PASSWORD_VARIABLE), WORKER_PERMISSIONS)}`,
  ]
  const active = credentials
    .filter((c) => c.revokedAt === undefined)
    .sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0))
  for (const c of active) {
    if (
      !usernamePattern.test(c.username) ||
      !schoolPattern.test(c.schoolId) ||
      c.username === o.workerUsername
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
