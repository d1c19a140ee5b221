/**
 * The v2 path (InfluxDB 1.8+, 2.x, 3.x) cannot be run against a real 2.x server here, so it is
 * tested for exactly what it sends, against a local HTTP listener.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readEnv } from '../../core/config/env.js'
import { influxTransportFromEnv } from '../../ingest/influx/config.js'
import { V1Transport, V2Transport } from '../../ingest/influx/transport.js'

interface Captured {
  method: string
  path: string
  query: Record<string, string>
  headers: IncomingMessage['headers']
  body: string
}

let server: Server
let url: string
const captured: Captured[] = []
let nextStatus = 204
let nextBody = ''

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const u = new URL(req.url!, 'http://x')
      captured.push({
        method: req.method!,
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        headers: req.headers,
        body: (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'),
      })
      res.writeHead(nextStatus, nextBody ? { 'content-type': 'application/json' } : {})
      res.end(nextBody)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

const transport = () =>
  new V2Transport({ url, token: 'secret-token', org: 'district', bucket: 'schoolmeter', timeoutMs: 2000 })

describe('InfluxDB v2 write API through @influxdata/influxdb-client', () => {
  it('POSTs line protocol to /api/v2/write with org, bucket, ms precision and the token', async () => {
    captured.length = 0
    nextStatus = 204
    const lines = ['water,building=main,meter=W1,school=s volume_m3=1,used_l=2 1795651200000']
    await transport().write(lines)
    expect(captured).toHaveLength(1)
    const c = captured[0]!
    expect(c.method).toBe('POST')
    expect(c.path).toBe('/api/v2/write')
    expect(c.query).toEqual({ org: 'district', bucket: 'schoolmeter', precision: 'ms' })
    expect(c.headers.authorization).toBe('Token secret-token')
    expect(c.headers['content-type']).toBe('text/plain; charset=utf-8')
    expect(c.headers['content-encoding']).toBeUndefined()
    expect(c.body).toBe(lines[0])
  })

  it('gzips large batches and sends every line once, in order', async () => {
    captured.length = 0
    const lines = Array.from(
      { length: 5000 },
      (_, i) => `electricity,meter=E${i % 9},school=s energy_kwh=${i} ${1795651200000 + i}`,
    )
    await transport().write(lines)
    expect(captured).toHaveLength(1)
    expect(captured[0]!.headers['content-encoding']).toBe('gzip')
    expect(captured[0]!.body.split('\n')).toEqual(lines)
  })

  it('InfluxDB 3 answers 201 to a write that is then done', async () => {
    nextStatus = 201
    await expect(transport().write(['m v=1 1'])).resolves.toBeUndefined()
    nextStatus = 204
  })

  it('maps refusals to retryable or not', async () => {
    const cases: [number, boolean][] = [
      [400, false],
      [422, false],
      [413, false],
      [401, true],
      [404, true],
      [429, true],
      [503, true],
    ]
    for (const [status, retryable] of cases) {
      nextStatus = status
      nextBody = JSON.stringify({ code: 'x', message: `status ${status}` })
      await expect(transport().write(['m v=1 1'])).rejects.toMatchObject({ status, retryable })
    }
    nextStatus = 204
    nextBody = ''
  })

  it('an unreachable server is retryable', async () => {
    const t = new V2Transport({ url: 'http://127.0.0.1:1', bucket: 'b', timeoutMs: 500 })
    await expect(t.write(['m v=1 1'])).rejects.toMatchObject({ status: undefined, retryable: true })
  })

  it('pings /ping with the token', async () => {
    captured.length = 0
    await transport().ping()
    expect(captured[0]).toMatchObject({ method: 'GET', path: '/ping' })
    expect(captured[0]!.headers.authorization).toBe('Token secret-token')
  })
})

describe('choosing the write API from the environment', () => {
  it('picks v2 with a token or bucket, v1 with a database, none without INFLUX_URL', () => {
    expect(influxTransportFromEnv(readEnv({}))).toBeUndefined()
    expect(
      influxTransportFromEnv(
        readEnv({ INFLUX_URL: url, INFLUX_TOKEN: 't', INFLUX_ORG: 'o', INFLUX_BUCKET: 'b' }),
      ),
    ).toBeInstanceOf(V2Transport)
    expect(influxTransportFromEnv(readEnv({ INFLUX_URL: url, INFLUX_DATABASE: 'db' }))).toBeInstanceOf(
      V1Transport,
    )
    // InfluxDB 3: a database name and a token, written through the v2-compatible endpoint.
    expect(
      influxTransportFromEnv(readEnv({ INFLUX_URL: url, INFLUX_DATABASE: 'db', INFLUX_TOKEN: 't' })),
    ).toBeInstanceOf(V2Transport)
    expect(
      influxTransportFromEnv(
        readEnv({ INFLUX_URL: url, INFLUX_API: 'v1', INFLUX_DATABASE: 'db', INFLUX_TOKEN: 't' }),
      ),
    ).toBeInstanceOf(V1Transport)
  })

  it('says what is missing', () => {
    expect(() => influxTransportFromEnv(readEnv({ INFLUX_URL: url }))).toThrow(
      /INFLUX_TOKEN \+ INFLUX_ORG \+ INFLUX_BUCKET.*or INFLUX_DATABASE/,
    )
    expect(() => influxTransportFromEnv(readEnv({ INFLUX_URL: url, INFLUX_API: 'v1' }))).toThrow(
      /INFLUX_DATABASE/,
    )
  })

  it('sends v1 credentials as basic auth and the retention policy as rp', async () => {
    captured.length = 0
    const t = new V1Transport({
      url,
      database: 'db',
      retentionPolicy: 'one_year',
      username: 'u',
      password: 'p',
      timeoutMs: 2000,
    })
    await t.write(['m v=1 1'])
    expect(captured[0]).toMatchObject({
      path: '/write',
      query: { db: 'db', precision: 'ms', rp: 'one_year' },
    })
    expect(captured[0]!.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`)
  })
})
