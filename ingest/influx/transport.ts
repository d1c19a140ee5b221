/**
 * The two ways into InfluxDB. Both take ready line protocol; batching, retries and the spool
 * are shared above them (writer.ts).
 *
 * - v2: `/api/v2/write` through @influxdata/influxdb-client — InfluxDB 1.8+, 2.x, 3.x, Cloud.
 * - v1: `/write` — InfluxDB 1.x up to 1.7 (Debian's 1.6.7), which has no v2 endpoint.
 */
import { promisify } from 'node:util'
import { gzip as gzipCb } from 'node:zlib'
import { HttpError, InfluxDB, setLogger } from '@influxdata/influxdb-client'

const gzip = promisify(gzipCb)
const GZIP_THRESHOLD_BYTES = 1000

/**
 * Whether batches are gzipped, and how hard: 0 = never, 1–9 = zlib level. Gzip shrinks line
 * protocol about 15× (≈ 100 → 7 bytes a line), which pays across a network; next to InfluxDB on
 * the same machine it only costs CPU on both sides (docs/performance.md), so INFLUX_GZIP=auto
 * sends plain text to a loopback address and level 1 elsewhere.
 */
export type GzipLevel = number

export class WriteError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    /** False when sending the same lines again cannot succeed (malformed data). */
    readonly retryable: boolean,
  ) {
    super(message)
    this.name = 'WriteError'
  }
}

export interface LineTransport {
  readonly api: 'v1' | 'v2'
  /** Where writes go, for logs and /health (no credentials). */
  readonly target: string
  write(lines: string[]): Promise<void>
  /** Resolves when the server answers its ping endpoint. */
  ping(): Promise<void>
}

/** 400/413/422: the lines themselves are refused; anything else (auth, missing database, 5xx, network) may heal. */
export function isRetryableStatus(status: number): boolean {
  return !(status === 400 || status === 413 || status === 422)
}

async function pingUrl(base: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<void> {
  const res = await fetch(new URL('/ping', base), { headers, signal: AbortSignal.timeout(timeoutMs) })
  if (res.status >= 300) throw new WriteError(`ping answered ${res.status}`, res.status, true)
}

export interface V1Options {
  url: string
  database: string
  retentionPolicy?: string
  username?: string
  password?: string
  timeoutMs: number
  /** 0: never gzip; 1–9: the zlib level for batches over 1 kB; unset: zlib's default level. */
  gzipLevel?: GzipLevel
}

export class V1Transport implements LineTransport {
  readonly api = 'v1'
  readonly target: string
  private readonly writeUrl: string
  private readonly headers: Record<string, string>

  constructor(private readonly o: V1Options) {
    const u = new URL('/write', o.url)
    u.searchParams.set('db', o.database)
    u.searchParams.set('precision', 'ms')
    if (o.retentionPolicy) u.searchParams.set('rp', o.retentionPolicy)
    this.writeUrl = u.toString()
    this.target = `${new URL(o.url).origin} db=${o.database} (v1 /write)`
    this.headers = { 'content-type': 'text/plain; charset=utf-8' }
    if (o.username !== undefined) {
      this.headers.authorization = `Basic ${Buffer.from(`${o.username}:${o.password ?? ''}`).toString('base64')}`
    }
  }

  async write(lines: string[]): Promise<void> {
    const text = lines.join('\n')
    let headers = this.headers
    let body: string | Buffer = text
    const level = this.o.gzipLevel
    if (level !== 0 && text.length >= GZIP_THRESHOLD_BYTES) {
      body = await gzip(text, level === undefined ? {} : { level })
      headers = { ...this.headers, 'content-encoding': 'gzip' }
    }
    let res: Response
    try {
      res = await fetch(this.writeUrl, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.o.timeoutMs),
      })
    } catch (err) {
      throw new WriteError(`cannot reach InfluxDB: ${causeOf(err)}`, undefined, true)
    }
    if (res.status === 204 || res.status === 200) {
      await res.arrayBuffer()
      return
    }
    const detail = (await res.text().catch(() => '')).slice(0, 300)
    throw new WriteError(
      `InfluxDB answered ${res.status}: ${detail}`,
      res.status,
      isRetryableStatus(res.status),
    )
  }

  ping(): Promise<void> {
    return pingUrl(
      this.o.url,
      this.o.timeoutMs,
      this.headers.authorization ? { authorization: this.headers.authorization } : {},
    )
  }

  /** CREATE DATABASE is idempotent in InfluxDB 1.x; a missing database would make every write fail. */
  async ensureDatabase(): Promise<void> {
    const u = new URL('/query', this.o.url)
    const body = new URLSearchParams({ q: `CREATE DATABASE "${this.o.database.replace(/"/g, '\\"')}"` })
    const res = await fetch(u, {
      method: 'POST',
      headers: { ...(this.headers.authorization ? { authorization: this.headers.authorization } : {}) },
      body,
      signal: AbortSignal.timeout(this.o.timeoutMs),
    })
    if (res.status >= 300)
      throw new WriteError(`CREATE DATABASE answered ${res.status}: ${await res.text()}`, res.status, true)
    await res.arrayBuffer()
  }
}

export interface V2Options {
  url: string
  token?: string
  org?: string
  bucket: string
  timeoutMs: number
  /** 0: never gzip; otherwise batches over 1 kB are gzipped (the client picks the level). */
  gzipLevel?: GzipLevel
}

export class V2Transport implements LineTransport {
  readonly api = 'v2'
  readonly target: string
  private readonly client: InfluxDB

  constructor(private readonly o: V2Options) {
    this.client = new InfluxDB({ url: o.url, ...(o.token ? { token: o.token } : {}), timeout: o.timeoutMs })
    this.target = `${new URL(o.url).origin} bucket=${o.bucket} (v2 /api/v2/write)`
  }

  async write(lines: string[]): Promise<void> {
    // One WriteApi per batch, with the client's own batching and retries off: ours are shared
    // with the v1 path and end in the disk spool rather than in memory.
    const api = this.client.getWriteApi(this.o.org ?? '', this.o.bucket, 'ms', {
      batchSize: lines.length + 1,
      flushInterval: 0,
      maxRetries: 0,
      gzipThreshold: this.o.gzipLevel === 0 ? Number.MAX_SAFE_INTEGER : GZIP_THRESHOLD_BYTES,
      writeFailed: (error: Error) => Promise.reject(error),
    })
    api.writeRecords(lines)
    try {
      await api.close()
    } catch (err) {
      if (err instanceof HttpError) {
        throw new WriteError(
          `InfluxDB answered ${err.statusCode}: ${(err.body ?? err.message).slice(0, 300)}`,
          err.statusCode,
          isRetryableStatus(err.statusCode),
        )
      }
      throw new WriteError(`cannot reach InfluxDB: ${causeOf(err)}`, undefined, true)
    }
  }

  ping(): Promise<void> {
    return pingUrl(
      this.o.url,
      this.o.timeoutMs,
      this.o.token ? { authorization: `Token ${this.o.token}` } : {},
    )
  }
}

function causeOf(err: unknown): string {
  const e = err as Error & { cause?: Error & { code?: string } }
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err)
}

/** The client library logs to the console by default; route it to ours. */
export function routeClientLogs(log: {
  warn(o: object, m: string): void
  error(o: object, m: string): void
}): void {
  setLogger({
    warn: (message, err) => log.warn({ err }, `influxdb-client: ${message}`),
    error: (message, err) => log.error({ err }, `influxdb-client: ${message}`),
  })
}
