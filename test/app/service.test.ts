/**
 * The whole service, in-process, with the embedded broker and a real InfluxDB 1.x: what a
 * gateway publishes lands in InfluxDB with the schema of CONTRACT.md; bad messages are counted,
 * published back and never stop good ones; shutdown flushes; a restart resumes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Influxd, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'
import { getJson, metricValue, mqttClient, startTestService } from '../helpers/service.js'

let influx: Influxd

beforeAll(async () => {
  influx = await startInfluxd()
})
afterAll(async () => {
  await influx?.destroy()
})

const influxEnv = (db: string) => ({ INFLUX_URL: influx.url, INFLUX_DATABASE: db })
const T0 = Date.parse('2026-11-02T08:00:00+08:00')
const iso = (ms: number) => new Date(ms).toISOString()

describe('service: MQTT in, InfluxDB out', () => {
  it('a published reading is queryable in InfluxDB with the tags and fields of CONTRACT.md', async () => {
    const svc = await startTestService({ env: influxEnv('contract') })
    const client = await mqttClient(`mqtt://127.0.0.1:${svc.mqttPort}`)
    try {
      expect((await getJson(`${svc.httpUrl}/health`)).status).toBe(200)
      await client.publishAsync(
        'schools/test-school/meters/W1',
        JSON.stringify({ ts: '2026-11-02T08:00:00+08:00', volume_m3: 1234.567, flow_lpm: 3.2 }),
        { qos: 1 },
      )
      await client.publishAsync(
        'schools/test-school/meters/W1',
        JSON.stringify({ ts: '2026-11-02T08:01:00+08:00', volume_m3: 1234.667, flow_lpm: 3.1 }),
        { qos: 1 },
      )
      await client.publishAsync(
        'schools/test-school/gateways/gw-1',
        JSON.stringify([
          { meter: 'E-R101', ts: T0, energy_kwh: 12.5, power_w: 2100, pf: 0.99 },
          { meter: 'T1', ts: T0, temp_c: -4.5, humidity_pct: 80 },
          { meter: 'H1', ts: T0, energy_kwh: 5000, power_kw: 80, supply_c: 65, return_c: 45, flow_m3h: 3.4 },
        ]),
        { qos: 1 },
      )
      await svc.writer!.flush()
      const water = await influx.query<unknown[]>('contract', 'SELECT * FROM water')
      expect(water[0]!.columns).toEqual([
        'time',
        'building',
        'flow_lpm',
        'meter',
        'school',
        'used_l',
        'volume_m3',
      ])
      expect(water[0]!.values).toEqual([
        [T0, 'main', 3.2, 'W1', 'test-school', null, 1234.567],
        [T0 + 60_000, 'main', 3.1, 'W1', 'test-school', 100, 1234.667],
      ])
      const elec = await influx.query<unknown[]>(
        'contract',
        'SELECT energy_kwh, power_w, pf, space FROM electricity',
      )
      expect(elec[0]!.values).toEqual([[T0, 12.5, 2100, 0.99, 'r101']])
      expect(
        (await influx.query('contract', 'SELECT temp_c, humidity_pct FROM temperature'))[0]!.values,
      ).toEqual([[T0, -4.5, 80]])
      expect(
        (await influx.query('contract', 'SELECT supply_c, return_c, power_kw FROM heat'))[0]!.values,
      ).toEqual([[T0, 65, 45, 80]])

      const meter = await getJson(`${svc.httpUrl}/api/v1/meters/W1`)
      expect(meter.body).toMatchObject({
        id: 'W1',
        status: 'ok',
        readings: 2,
        lastReading: {
          ts: '2026-11-02T08:01:00.000+08:00',
          values: { volume_m3: 1234.667, flow_lpm: 3.1 },
          used: 100,
          usedUnit: 'L',
        },
      })
    } finally {
      await client.endAsync()
      await svc.stop()
    }
  })

  it('1,000 malformed messages of every reason among 1,000 good ones: all good stored, every bad one counted', async () => {
    const svc = await startTestService({ env: { ...influxEnv('mixed'), MAX_PAYLOAD_BYTES: '2048' } })
    const client = await mqttClient(`mqtt://127.0.0.1:${svc.mqttPort}`)
    const watcher = await mqttClient(`mqtt://127.0.0.1:${svc.mqttPort}`)
    const rejectedSeen: Record<string, number> = {}
    await watcher.subscribeAsync('schools/+/rejected', { qos: 0 })
    watcher.on('message', (_t, p) => {
      const r = JSON.parse(p.toString()) as { reason: string }
      rejectedSeen[r.reason] = (rejectedSeen[r.reason] ?? 0) + 1
    })
    const W = 'schools/test-school/meters/W1'
    const bad: [string, string, string][] = [
      ['bad_topic', 'schools/test-school/meter/W1', JSON.stringify({ ts: T0, volume_m3: 1 })],
      ['bad_json', W, '{"ts": 17956'],
      ['bad_schema', W, JSON.stringify({ ts: T0, volume_m3: 'lots' })],
      ['unknown_school', 'schools/no-such-school/meters/W1', JSON.stringify({ ts: T0, volume_m3: 1 })],
      ['unknown_meter', 'schools/test-school/meters/GHOST', JSON.stringify({ ts: T0, volume_m3: 1 })],
      ['wrong_kind_fields', W, JSON.stringify({ ts: T0, power_w: 2000 })],
      ['bad_timestamp', W, JSON.stringify({ ts: '26/11/2026 08:00', volume_m3: 1 })],
      ['too_large', W, JSON.stringify({ ts: T0, volume_m3: 1, pad: 'x'.repeat(3000) })],
      ['implausible_value', W, JSON.stringify({ ts: T0, volume_m3: -5 })],
    ]
    const expectedBad: Record<string, number> = {}
    try {
      const pending: Promise<unknown>[] = []
      for (let i = 0; i < 1000; i++) {
        // Good: E1 and W2 alternate, a reading a minute each, registers rising steadily.
        const meter = i % 2 ? 'E1' : 'W2'
        const n = Math.floor(i / 2)
        const good =
          meter === 'E1'
            ? { ts: iso(T0 + n * 60_000), energy_kwh: 100 + n * 0.5 }
            : { ts: T0 + n * 60_000, volume_m3: 50 + n * 0.01 }
        pending.push(
          client.publishAsync(`schools/test-school/meters/${meter}`, JSON.stringify(good), { qos: 1 }),
        )
        const [reason, topic, payload] = bad[i % bad.length]!
        expectedBad[reason] = (expectedBad[reason] ?? 0) + 1
        pending.push(client.publishAsync(topic, payload, { qos: 1 }))
      }
      await Promise.all(pending)
      await svc.writer!.flush()

      expect(await influx.count('mixed', 'electricity', 'energy_kwh')).toBe(500)
      expect(await influx.count('mixed', 'water', 'volume_m3')).toBe(500)
      // Consumption between consecutive readings: 499 intervals each.
      const [w] = await influx.query<[number, number]>('mixed', 'SELECT sum(used_l) FROM water')
      expect(w!.values[0]![1]).toBeCloseTo(499 * 10, 6)

      const metrics = await (await fetch(`${svc.httpUrl}/metrics`)).text()
      expect(metricValue(metrics, 'schoolmeter_readings_accepted_total')).toBe(1000)
      for (const [reason, n] of Object.entries(expectedBad)) {
        expect(metricValue(metrics, `schoolmeter_readings_rejected_total{reason="${reason}"}`), reason).toBe(
          n,
        )
      }
      // Every rejection that names a school is published back on that school's rejected topic.
      await waitFor('rejections published', () =>
        Object.values(rejectedSeen).reduce((a, b) => a + b, 0) >= 1000 ? true : undefined,
      )
      expect(rejectedSeen).toEqual(expectedBad)
      expect((await getJson(`${svc.httpUrl}/health`)).status).toBe(200)
    } finally {
      await client.endAsync()
      await watcher.endAsync()
      await svc.stop()
    }
  })

  it('stops cleanly: what was accepted before SIGTERM-equivalent stop is in InfluxDB', async () => {
    const svc = await startTestService({ env: { ...influxEnv('shutdown'), INFLUX_FLUSH_MS: '60000' } })
    const client = await mqttClient(`mqtt://127.0.0.1:${svc.mqttPort}`)
    for (let i = 0; i < 300; i++) {
      await client.publishAsync(
        'schools/test-school/meters/E1',
        JSON.stringify({ ts: T0 + i * 1000, energy_kwh: 1 + i / 100 }),
        { qos: 1 },
      )
    }
    await client.endAsync()
    // The flush interval is a minute: only the stop can have written these.
    expect(await influx.count('shutdown', 'electricity', 'energy_kwh')).toBe(0)
    await svc.stop()
    expect(await influx.count('shutdown', 'electricity', 'energy_kwh')).toBe(300)
  })

  it('a restart resumes each register where it left off', async () => {
    const first = await startTestService({ env: influxEnv('restart') })
    let client = await mqttClient(`mqtt://127.0.0.1:${first.mqttPort}`)
    await client.publishAsync('schools/test-school/meters/W1', JSON.stringify({ ts: T0, volume_m3: 10 }), {
      qos: 1,
    })
    await client.endAsync()
    await first.stop()

    const second = await startTestService({ env: influxEnv('restart'), dataDir: first.dataDir })
    client = await mqttClient(`mqtt://127.0.0.1:${second.mqttPort}`)
    try {
      await client.publishAsync(
        'schools/test-school/meters/W1',
        JSON.stringify({ ts: T0 + 60_000, volume_m3: 10.05 }),
        { qos: 1 },
      )
      // The duplicate of the reading from before the restart is still recognised.
      await client.publishAsync('schools/test-school/meters/W1', JSON.stringify({ ts: T0, volume_m3: 10 }), {
        qos: 1,
      })
      await second.writer!.flush()
      const [s] = await influx.query<[number, number, number | null]>(
        'restart',
        'SELECT volume_m3, used_l FROM water',
      )
      expect(s!.values).toEqual([
        [T0, 10, null],
        [T0 + 60_000, 10.05, 50],
      ])
      const meter = await getJson(`${second.httpUrl}/api/v1/meters/W1`)
      expect(meter.body.readings).toBe(2)
      const metrics = await (await fetch(`${second.httpUrl}/metrics`)).text()
      expect(metricValue(metrics, 'schoolmeter_readings_duplicate_total')).toBe(1)
    } finally {
      await client.endAsync()
      await second.stop()
    }
  })

  it('InfluxDB down: /health says 503 naming influx, readings are spooled, and drained when it returns', async () => {
    const svc = await startTestService({ env: influxEnv('down') })
    const client = await mqttClient(`mqtt://127.0.0.1:${svc.mqttPort}`)
    try {
      await influx.stop()
      for (let i = 0; i < 50; i++) {
        await client.publishAsync(
          'schools/test-school/meters/T1',
          JSON.stringify({ ts: T0 + i * 1000, temp_c: 20 + i / 10 }),
          { qos: 1 },
        )
      }
      await svc.writer!.flush()
      const health = await waitFor('unhealthy', async () => {
        const h = await getJson(`${svc.httpUrl}/health?lang=en`)
        return h.status === 503 ? h : undefined
      })
      expect(health.body.failing).toEqual(['influx'])
      expect(health.body.parts.influx.detail).toMatch(/spooled to disk/)
      expect(health.body.parts.ingest.ok).toBe(true)
      await influx.start()
      await waitFor(
        'healthy again',
        async () => ((await getJson(`${svc.httpUrl}/health`)).status === 200 ? true : undefined),
        // The drain loop backs off up to 30 s while InfluxDB is away (restarting it takes a while).
        60_000,
      )
      // Healthy as soon as InfluxDB answers; the spool may still be draining a segment or two.
      await waitFor(
        'spool drained',
        async () => ((await influx.count('down', 'temperature', 'temp_c')) >= 50 ? true : undefined),
        30_000,
      )
      expect(await influx.count('down', 'temperature', 'temp_c')).toBe(50)
    } finally {
      await client.endAsync()
      await svc.stop()
    }
  }, 90_000)
})
