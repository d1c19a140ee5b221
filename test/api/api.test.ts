import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Service } from '../../app/service.js'
import { getJson, mqttClient, startTestService } from '../helpers/service.js'

let svc: Service
let clock = Date.now()

beforeAll(async () => {
  svc = await startTestService({ now: () => clock })
  const client = await mqttClient(`mqtt://127.0.0.1:${svc.mqttPort}`)
  await client.publishAsync(
    'schools/test-school/meters/W1',
    JSON.stringify({ ts: Date.now() - 60_000, volume_m3: 5 }),
    { qos: 1 },
  )
  await client.publishAsync(
    'schools/test-school/meters/T1',
    JSON.stringify({ ts: Date.now() - 60_000, temp_c: 21.5 }),
    { qos: 1 },
  )
  await client.endAsync()
})
afterAll(async () => {
  await svc?.stop()
})

describe('HTTP API', () => {
  it('GET /health is 200 with every part named, and says readings are not archived without InfluxDB', async () => {
    const { status, body } = await getJson(`${svc.httpUrl}/health`)
    expect(status).toBe(200)
    expect(body).toMatchObject({
      status: 'ok',
      failing: [],
      archive: false,
      parts: {
        ingest: { ok: true },
        store: { ok: true },
        influx: { ok: true, detail: '未配置：读数不归档' },
      },
    })
    const english = await getJson(`${svc.httpUrl}/health?lang=en`)
    expect(english.body.parts.influx.detail).toBe('not configured: readings are not archived')
    expect(english.body.parts.ingest.detail).toMatch(
      /^embedded broker at mqtt:\/\/127\.0\.0\.1:\d+, \d+ clients? connected$/,
    )
  })

  it('GET /health is 503 naming the failing part', async () => {
    await svc.broker.stop()
    try {
      const { status, body } = await getJson(`${svc.httpUrl}/health`)
      expect(status).toBe(503)
      expect(body).toMatchObject({
        status: 'unhealthy',
        failing: ['ingest'],
        parts: { ingest: { ok: false } },
      })
    } finally {
      await svc.broker.start()
    }
  })

  it('GET /api/v1/schools lists schools with how many meters report', async () => {
    const { status, body } = await getJson(`${svc.httpUrl}/api/v1/schools`)
    expect(status).toBe(200)
    expect(body).toEqual([
      {
        id: 'test-school',
        name: '测试学校 (Test School)',
        timezone: 'Asia/Shanghai',
        pupils: 500,
        floorAreaM2: 6000,
        meters: { total: 6, ok: 2, offline: 0, neverReported: 4 },
      },
      {
        id: 'other-school',
        name: 'Other School',
        timezone: 'Asia/Shanghai',
        meters: { total: 1, ok: 0, offline: 0, neverReported: 1 },
      },
    ])
  })

  it('GET /api/v1/schools/{school} gives buildings, spaces and meters with their last reading', async () => {
    const { status, body } = await getJson(`${svc.httpUrl}/api/v1/schools/test-school`)
    expect(status).toBe(200)
    const main = body.buildings[0]
    expect(main.spaces).toEqual([{ id: 'r101', use: 'dorm_room', appliancePolicy: 'restricted' }])
    const t1 = main.meters.find((m: { id: string }) => m.id === 'T1')
    expect(t1).toMatchObject({
      kind: 'temperature',
      status: 'ok',
      lastReading: { values: { temp_c: 21.5 }, estimated: false },
    })
    expect(t1.lastReading.ts).toMatch(/\+08:00$/)
    const w2 = main.meters.find((m: { id: string }) => m.id === 'W2')
    expect(w2).toMatchObject({ status: 'never_reported', parent: 'W1', readings: 0 })
    expect(w2.lastReading).toBeUndefined()
  })

  it('a meter is offline after max(3 × interval, 15 min) without a reading, by the wall clock', async () => {
    clock = Date.now() + 14 * 60_000
    expect((await getJson(`${svc.httpUrl}/api/v1/meters/W1`)).body.status).toBe('ok')
    clock = Date.now() + 16 * 60_000
    expect((await getJson(`${svc.httpUrl}/api/v1/meters/W1`)).body.status).toBe('offline')
    // T1 reports every 5 minutes: 3 × 5 = 15 min, the floor applies too.
    expect((await getJson(`${svc.httpUrl}/api/v1/meters/T1`)).body.status).toBe('offline')
    clock = Date.now()
  })

  it('unknown schools, meters and routes are 404 with a sentence', async () => {
    const en = { headers: { 'accept-language': 'en-GB,en;q=0.9' } }
    expect(await getJson(`${svc.httpUrl}/api/v1/schools/nowhere`, en)).toEqual({
      status: 404,
      body: { error: 'not_found', message: 'school "nowhere" is not in the registry' },
    })
    expect((await getJson(`${svc.httpUrl}/api/v1/meters/NOPE`)).status).toBe(404)
    expect((await getJson(`${svc.httpUrl}/api/v1/nothing`, en)).body).toEqual({
      error: 'not_found',
      message: 'no route GET /api/v1/nothing; the API is described at /docs',
    })
  })

  it("speaks the reader's language: ?lang=, else Accept-Language, else the district's; codes stay English", async () => {
    // The test district names no language: Chinese, the default.
    const plain = await fetch(`${svc.httpUrl}/api/v1/schools/nowhere`)
    expect(plain.headers.get('vary')).toMatch(/Accept-Language/)
    expect(await plain.json()).toEqual({ error: 'not_found', message: '台账中没有学校“nowhere”' })
    const byHeader = await getJson(`${svc.httpUrl}/api/v1/meters/NOPE`, {
      headers: { 'accept-language': 'en' },
    })
    expect(byHeader.body).toEqual({ error: 'not_found', message: 'meter "NOPE" is not in the registry' })
    // ?lang= beats the header.
    const byQuery = await getJson(`${svc.httpUrl}/api/v1/meters/NOPE?lang=zh`, {
      headers: { 'accept-language': 'en' },
    })
    expect(byQuery.body.message).toBe('台账中没有表计“NOPE”')
    // A query that fails its schema says which parameter, what it got and what it should be.
    const month = await getJson(`${svc.httpUrl}/api/v1/reports/monthly?month=2026-13&lang=en`)
    expect(month).toEqual({
      status: 400,
      body: {
        error: 'fst_err_validation',
        message: 'query parameter month: got "2026-13"; expected a month YYYY-MM, e.g. 2026-10',
      },
    })
    const zh = await getJson(`${svc.httpUrl}/api/v1/reports/monthly?month=2026-13`)
    expect(zh.body.message).toBe('查询参数 month：当前为 "2026-13"，应为YYYY-MM 格式的月份，例如 2026-10')
    const body = await fetch(`${svc.httpUrl}/api/v1/alerts/1/ack?lang=en`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"by":',
    })
    expect(await body.json()).toMatchObject({ message: 'the body is not valid JSON' })
  })

  it('GET /metrics is Prometheus text with the contract counters', async () => {
    const res = await fetch(`${svc.httpUrl}/metrics`)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    expect(text).toMatch(/^schoolmeter_readings_accepted_total 2$/m)
    expect(text).toMatch(/# TYPE schoolmeter_readings_rejected_total counter/)
    expect(text).toMatch(/schoolmeter_process_resident_memory_bytes/)
    // Counted in plain numbers on the hot path, handed over at scrape time.
    expect(text).toMatch(/^schoolmeter_rule_evaluations_total\{rule="water.continuous_flow"\} 1$/m)
  })

  it('GET /docs serves the OpenAPI document and its browser', async () => {
    const { status, body } = await getJson(`${svc.httpUrl}/docs/json`)
    expect(status).toBe(200)
    expect(body.openapi).toMatch(/^3\./)
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/metrics',
        '/api/v1/schools',
        '/api/v1/schools/{school}',
        '/api/v1/meters/{meter}',
      ]),
    )
    const html = await fetch(`${svc.httpUrl}/docs`, { redirect: 'follow' })
    expect(html.status).toBe(200)
    expect(await html.text()).toMatch(/swagger/i)
  })
})
