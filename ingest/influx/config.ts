import type { Env } from '../../core/config/env.js'
import { ConfigError, ENVIRONMENT } from '../../core/errors.js'
import { msg } from '../../core/i18n/index.js'
import { type LineTransport, V1Transport, V2Transport } from './transport.js'

/**
 * Picks the write API from the environment: INFLUX_API when given; otherwise v2 when a token
 * or bucket is set (InfluxDB 1.8+, 2.x, 3.x), v1 when a database is set (InfluxDB ≤ 1.7).
 * Returns undefined when INFLUX_URL is unset: readings are then not archived.
 */
export function influxTransportFromEnv(env: Env): LineTransport | V1Transport | undefined {
  if (!env.INFLUX_URL) return undefined
  const api =
    env.INFLUX_API ?? (env.INFLUX_TOKEN || env.INFLUX_BUCKET ? 'v2' : env.INFLUX_DATABASE ? 'v1' : undefined)
  if (api === 'v1') {
    if (!env.INFLUX_DATABASE) {
      throw new ConfigError(ENVIRONMENT, [
        { path: 'INFLUX_DATABASE', value: undefined, expected: msg('config.expected.influxDatabase') },
      ])
    }
    return new V1Transport({
      url: env.INFLUX_URL,
      database: env.INFLUX_DATABASE,
      timeoutMs: env.INFLUX_TIMEOUT_MS,
      gzipLevel: gzipLevel(env.INFLUX_GZIP, env.INFLUX_URL),
      ...(env.INFLUX_RETENTION_POLICY ? { retentionPolicy: env.INFLUX_RETENTION_POLICY } : {}),
      ...(env.INFLUX_USERNAME !== undefined ? { username: env.INFLUX_USERNAME } : {}),
      ...(env.INFLUX_PASSWORD !== undefined ? { password: env.INFLUX_PASSWORD } : {}),
    })
  }
  if (api === 'v2') {
    const bucket = env.INFLUX_BUCKET ?? env.INFLUX_DATABASE
    if (!bucket) {
      throw new ConfigError(ENVIRONMENT, [
        {
          path: 'INFLUX_BUCKET',
          value: undefined,
          expected: msg('config.expected.influxBucket'),
        },
      ])
    }
    return new V2Transport({
      url: env.INFLUX_URL,
      bucket,
      timeoutMs: env.INFLUX_TIMEOUT_MS,
      gzipLevel: gzipLevel(env.INFLUX_GZIP, env.INFLUX_URL),
      ...(env.INFLUX_TOKEN ? { token: env.INFLUX_TOKEN } : {}),
      ...(env.INFLUX_ORG ? { org: env.INFLUX_ORG } : {}),
    })
  }
  throw new ConfigError(ENVIRONMENT, [
    {
      path: 'INFLUX_URL',
      value: env.INFLUX_URL,
      expected: msg('config.expected.influxApi'),
    },
  ])
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i

/**
 * INFLUX_GZIP: `off`/`0`, a zlib level `1`–`9`, or `auto` (the default): plain text to InfluxDB
 * on this machine, where gzip only costs CPU, level 1 across a network (docs/performance.md).
 */
export function gzipLevel(setting: string | undefined, url: string): number {
  if (setting === undefined || setting === 'auto') return LOOPBACK.test(new URL(url).hostname) ? 0 : 1
  if (setting === 'off') return 0
  return Number(setting)
}
