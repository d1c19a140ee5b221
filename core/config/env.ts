/**
 * The service's environment (CONTRACT.md, "Environment"), declared once with its defaults.
 * Every variable is validated at start-up; a bad one names itself and what it should be.
 */
import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'
import Value from 'typebox/value'
import { ConfigError } from '../errors.js'
import { schemaProblems } from './load.js'

const port = (fallback: number) => Type.Integer({ minimum: 0, maximum: 65535, default: fallback })
const Flag = Type.Enum(['0', '1', 'true', 'false'])

export const Env = Type.Object({
  CONFIG: Type.Optional(Type.String({ description: 'registry and calendar file (YAML or JSON)' })),
  DATA_DIR: Type.String({ default: './data', description: 'SQLite database and write spool' }),
  HTTP_PORT: port(8080),
  HTTP_HOST: Type.String({ default: '127.0.0.1', description: 'address the API listens on' }),
  MQTT_PORT: port(1883),
  MQTT_HOST: Type.String({ default: '127.0.0.1', description: 'address the embedded broker listens on' }),
  MQTT_URL: Type.Optional(
    Type.String({ pattern: '^(mqtts?|tcp|ssl|wss?)://', description: 'external broker' }),
  ),
  MQTT_USERNAME: Type.Optional(Type.String()),
  MQTT_PASSWORD: Type.Optional(Type.String()),
  MQTT_CLIENT_ID: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  INFLUX_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
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
  SPOOL_MAX_BYTES: Type.Integer({ minimum: 1024 * 1024, default: 1024 ** 3 }),
  WATERMARK_SECONDS: Type.Integer({ minimum: 0, maximum: 86400, default: 600 }),
  MAX_PAYLOAD_BYTES: Type.Integer({ minimum: 256, maximum: 64 * 1024 * 1024, default: 256 * 1024 }),
  MAX_BATCH_READINGS: Type.Integer({ minimum: 1, maximum: 1000000, default: 10000 }),
  SMTP_URL: Type.Optional(
    Type.String({
      pattern: '^smtps?://',
      description: 'e-mail notifications, e.g. smtp://user:pass@mail.example:587',
    }),
  ),
  SMTP_FROM: Type.String({ default: 'schoolmeter <schoolmeter@localhost>' }),
  DEMO: Type.Optional(Flag),
  LOG_FORMAT: Type.Optional(
    Type.Enum(['json', 'pretty'], { description: 'pretty on a terminal, JSON lines otherwise, unless set' }),
  ),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
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
  if (!check.Check(value))
    throw new ConfigError('the environment', schemaProblems(check.Errors(value), value))
  return value as Env
}

export function flag(v: string | undefined): boolean {
  return v === '1' || v === 'true'
}

/** Demo mode (the in-process simulator) is on when asked, or by default when no CONFIG is given. */
export function demoEnabled(env: Env): boolean {
  return env.DEMO === undefined ? env.CONFIG === undefined : flag(env.DEMO)
}
