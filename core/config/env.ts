/**
 * The service's environment (CONTRACT.md, "Environment"), declared once with its defaults.
 * Every variable is validated at start-up; a bad one names itself and what it should be.
 */
import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'
import Value from 'typebox/value'
import { ConfigError, ENVIRONMENT } from '../errors.js'
import { LOCALES, type Locale, t } from '../i18n/index.js'
import { schemaProblems } from './load.js'
import { GZIP, HTTP_URL, MQTT_URL, ORIGINS, POSTGRES_URL, SHARD, SMTP_URL } from './patterns.js'

const port = (fallback: number) => Type.Integer({ minimum: 0, maximum: 65535, default: fallback })
const Flag = Type.Enum(['0', '1', 'true', 'false'])

export const Env = Type.Object({
  CONFIG: Type.Optional(Type.String({ description: 'registry and calendar file (YAML or JSON)' })),
  DATA_DIR: Type.String({ default: './data', description: 'SQLite database and write spool' }),
  // The app store on a PostgreSQL server (store/postgres/, docs/store.md); SQLite in DATA_DIR when unset.
  DATABASE_URL: Type.Optional(
    Type.String({
      pattern: POSTGRES_URL,
      description:
        "PostgreSQL for alerts, incidents, notifications, logins, tokens, the audit log, the shards' leases and meters' live status, shared by the workers of a district, e.g. postgres://schoolmeter:…@db:5432/schoolmeter; unset = SQLite in DATA_DIR",
    }),
  ),
  DATABASE_POOL_SIZE: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 10,
    description: 'connections to DATABASE_URL this process opens at most',
  }),
  HTTP_PORT: port(8080),
  HTTP_HOST: Type.String({ default: '127.0.0.1', description: 'address the API listens on' }),
  METRICS_PUBLIC: Type.Optional(Flag),
  API_RATE_LIMIT: Type.Integer({
    minimum: 0,
    default: 600,
    description:
      'API requests per minute per token (or per client address before one is verified); 0 = no limit',
  }),
  CORS_ORIGINS: Type.Optional(
    Type.String({
      pattern: ORIGINS,
      description:
        'browser origins allowed to call the API, comma-separated, e.g. https://grafana.example; unset = no CORS',
    }),
  ),
  MQTT_PORT: port(1883),
  MQTT_HOST: Type.String({ default: '127.0.0.1', description: 'address the embedded broker listens on' }),
  MQTT_URL: Type.Optional(Type.String({ pattern: MQTT_URL, description: 'external broker' })),
  MQTT_USERNAME: Type.Optional(Type.String()),
  MQTT_PASSWORD: Type.Optional(Type.String()),
  MQTT_CLIENT_ID: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  // Shared with the API. For MQTT: unset = anonymous clients only while the embedded broker
  // listens on loopback alone and no gateway credential is active; 1 = always; 0 = never.
  ALLOW_ANONYMOUS: Type.Optional(Flag),
  MQTT_TLS_PORT: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 65535,
      description: "port of the embedded broker's TLS listener (mqtts), e.g. 8883; unset = none",
    }),
  ),
  MQTT_TLS_HOST: Type.Optional(
    Type.String({ description: "address of the embedded broker's TLS listener; MQTT_HOST when unset" }),
  ),
  MQTT_TLS_CERT: Type.Optional(
    Type.String({ description: 'PEM certificate (chain) file of the TLS listener' }),
  ),
  MQTT_TLS_KEY: Type.Optional(Type.String({ description: 'PEM private key file of the TLS listener' })),
  MQTT_TLS_CA: Type.Optional(
    Type.String({ description: 'PEM CA file: the TLS listener then requires client certificates it signed' }),
  ),
  MQTT_MAX_PACKET_BYTES: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 268435455,
      description:
        'largest MQTT packet a client may send; 0 = no limit; default max(1 MiB, MAX_PAYLOAD_BYTES + 64 KiB)',
    }),
  ),
  MQTT_MAX_MESSAGES_PER_SECOND: Type.Integer({
    minimum: 0,
    default: 5000,
    description: 'publishes per second per client before the broker stops reading its socket; 0 = no limit',
  }),
  MQTT_MAX_CONNECTS_PER_MINUTE: Type.Integer({
    minimum: 0,
    default: 30,
    description: 'CONNECTs per minute per client id before CONNACK "server unavailable"; 0 = no limit',
  }),
  MQTT_CA: Type.Optional(
    Type.String({ description: 'PEM CA file to verify the external broker (mqtts://)' }),
  ),
  MQTT_CERT: Type.Optional(
    Type.String({ description: 'PEM client certificate file for the external broker' }),
  ),
  MQTT_KEY: Type.Optional(Type.String({ description: 'PEM client key file for the external broker' })),
  MQTT_REJECT_UNAUTHORIZED: Type.Optional(Flag),
  INFLUX_URL: Type.Optional(Type.String({ pattern: HTTP_URL })),
  INFLUX_API: Type.Optional(
    Type.Enum(['v1', 'v2'], {
      description: 'force the write API; chosen from the other variables otherwise',
    }),
  ),
  INFLUX_TOKEN: Type.Optional(Type.String()),
  INFLUX_ORG: Type.Optional(Type.String()),
  INFLUX_BUCKET: Type.Optional(Type.String()),
  INFLUX_DATABASE: Type.Optional(Type.String()),
  INFLUX_RETENTION_POLICY: Type.Optional(Type.String()),
  INFLUX_USERNAME: Type.Optional(Type.String()),
  INFLUX_PASSWORD: Type.Optional(Type.String()),
  INFLUX_BATCH_LINES: Type.Integer({ minimum: 1, maximum: 100000, default: 5000 }),
  INFLUX_FLUSH_MS: Type.Integer({ minimum: 10, maximum: 60000, default: 1000 }),
  INFLUX_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 300000, default: 10000 }),
  INFLUX_GZIP: Type.String({
    pattern: GZIP,
    default: 'auto',
    description:
      'gzip write batches: auto = not to a loopback InfluxDB (only CPU spent), level 1 across a network; off; or a zlib level 1-9',
  }),
  SPOOL_MAX_BYTES: Type.Integer({ minimum: 1024 * 1024, default: 1024 ** 3 }),
  INFLUX_MAX_QUEUED_LINES: Type.Integer({
    minimum: 100,
    default: 200_000,
    description:
      'lines held in memory when InfluxDB is slow and the spool full, before publishers are held back',
  }),
  CHECKPOINT_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 3600,
    default: 10,
    description: 'how often register and rule state is committed and the journal trimmed',
  }),
  JOURNAL_MAX_BYTES: Type.Integer({
    minimum: 1024 * 1024,
    default: 512 * 1024 ** 2,
    description: 'journal bytes since the last checkpoint above which publishers are held back',
  }),
  WATERMARK_SECONDS: Type.Integer({ minimum: 0, maximum: 86400, default: 600 }),
  MAX_PAYLOAD_BYTES: Type.Integer({ minimum: 256, maximum: 64 * 1024 * 1024, default: 256 * 1024 }),
  MAX_BATCH_READINGS: Type.Integer({ minimum: 1, maximum: 1000000, default: 10000 }),
  SMTP_URL: Type.Optional(
    Type.String({
      pattern: SMTP_URL,
      description: 'e-mail notifications, e.g. smtp://user:pass@mail.example:587',
    }),
  ),
  SMTP_FROM: Type.String({ default: 'schoolmeter <schoolmeter@localhost>' }),
  PUBLIC_URL: Type.Optional(
    Type.String({
      pattern: HTTP_URL,
      description:
        'the address people open the web app at, e.g. https://energy.district.example: notifications link to {PUBLIC_URL}/i/{token}, and https makes cookies Secure',
    }),
  ),
  LINK_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      description:
        'key that signs the links in notifications (at least 32 characters); unset = one made at the first start and kept in the store',
    }),
  ),
  // Group robots: the registry names these in `urlEnv`/`secretEnv` (docker-compose.yml passes them).
  WECOM_ROBOT_URL: Type.Optional(
    Type.String({ pattern: HTTP_URL, description: 'a WeCom group robot webhook' }),
  ),
  DINGTALK_ROBOT_URL: Type.Optional(
    Type.String({ pattern: HTTP_URL, description: 'a DingTalk group robot webhook (with its access_token)' }),
  ),
  DINGTALK_ROBOT_SECRET: Type.Optional(
    Type.String({ description: "the DingTalk robot's signing secret (SEC…)" }),
  ),
  FEISHU_ROBOT_URL: Type.Optional(
    Type.String({ pattern: HTTP_URL, description: 'a Feishu group robot webhook' }),
  ),
  FEISHU_ROBOT_SECRET: Type.Optional(Type.String({ description: "the Feishu robot's signing secret" })),
  DEMO: Type.Optional(Flag),
  // Shards and their leases (ingest/shard/, docs/scaling.md).
  SHARD: Type.Optional(
    Type.String({
      pattern: SHARD,
      description:
        "this worker owns shard k of n (k/n, e.g. 1/3): only those schools' readings; needs MQTT_URL",
    }),
  ),
  SHARD_STANDBY: Type.Optional(Flag),
  SHARD_LEASE_SECONDS: Type.Integer({
    minimum: 2,
    maximum: 600,
    default: 15,
    description: "how long a shard's lease lasts unrenewed: a dead owner's shard is taken over after it",
  }),
  SHARD_STATUS_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 300,
    default: 5,
    description:
      "how often a shard's owner shares its meters' live status and recent rates through DATABASE_URL, and reads the other shards'",
  }),
  LOG_FORMAT: Type.Optional(
    Type.Enum(['json', 'pretty'], { description: 'pretty on a terminal, JSON lines otherwise, unless set' }),
  ),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  LOCALE: Type.Optional(
    Type.Enum(LOCALES, {
      description: "language of start-up errors and command-line output; the district's when unset",
    }),
  ),
})
export type Env = Static<typeof Env>

const check = Compile(Env)
const KNOWN = new Set(Object.keys(Env.properties))

/** Reads the environment; unset and empty variables take their defaults. */
export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const raw: Record<string, string> = {}
  for (const key of KNOWN) {
    const v = source[key]
    if (v !== undefined && v !== '') raw[key] = v
  }
  const value = Value.Default(Env, Value.Convert(Env, raw))
  if (!check.Check(value)) throw new ConfigError(ENVIRONMENT, schemaProblems(check.Errors(value), value))
  return value as Env
}

/** Prefixes only schoolmeter's variables use: anything else under them is a slip. */
const OUR_PREFIXES = [
  'MQTT_',
  'INFLUX_',
  'SMTP_',
  'SPOOL_',
  'JOURNAL_',
  'CHECKPOINT_',
  'WATERMARK_',
  'SHARD_',
]

export interface UnknownVariable {
  name: string
  /** The known variable it is closest to, when one is close. */
  suggestion?: string
}

/**
 * Variables that look like schoolmeter's but are not (`HTTP_PROT`, `INFLUX_UR`): under one of
 * its prefixes, or a typing slip or two away from a known name. They would be ignored without a
 * word, and the service would run on a default the person meant to change.
 */
export function unknownVariables(source: NodeJS.ProcessEnv = process.env): UnknownVariable[] {
  const out: UnknownVariable[] = []
  for (const name of Object.keys(source).sort()) {
    if (KNOWN.has(name) || !/^[A-Z][A-Z0-9_]*$/.test(name)) continue
    let best: { name: string; distance: number } | undefined
    for (const known of KNOWN) {
      const distance = editDistance(name, known)
      if (!best || distance < best.distance) best = { name: known, distance }
    }
    const close = best !== undefined && name.length >= 4 && best.distance <= (name.length <= 6 ? 1 : 2)
    if (close) out.push({ name, suggestion: best!.name })
    else if (OUR_PREFIXES.some((p) => name.startsWith(p))) out.push({ name })
  }
  return out
}

/** One sentence naming the unknown variables, with a guess for each where there is one. */
export function describeUnknownVariables(locale: Locale, unknown: UnknownVariable[]): string | undefined {
  if (unknown.length === 0) return undefined
  const names = unknown.map((u) =>
    u.suggestion ? t(locale, 'env.unknown.item', { name: u.name, suggestion: u.suggestion }) : u.name,
  )
  return t(locale, 'env.unknown', { count: unknown.length, names })
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [
    i,
    ...Array<number>(b.length).fill(0),
  ])
  for (let j = 1; j <= b.length; j++) d[0]![j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1)
      d[i]![j] = v
    }
  }
  return d[a.length]![b.length]!
}

export function flag(v: string | undefined): boolean {
  return v === '1' || v === 'true'
}

/** Demo mode (the in-process simulator) is on when asked, or by default when no CONFIG is given. */
export function demoEnabled(env: Env): boolean {
  return env.DEMO === undefined ? env.CONFIG === undefined : flag(env.DEMO)
}
