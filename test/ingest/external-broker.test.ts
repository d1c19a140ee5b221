/**
 * MQTT_URL: the service consumes an external broker — here a real Mosquitto — instead of its
 * embedded one, with the same decoding, rejections and metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Mosquitto, startMosquitto } from '../helpers/mosquitto.js'
import { waitFor } from '../helpers/ports.js'
import { getJson, metricValue, mqttClient, startTestService } from '../helpers/service.js'

let broker: Mosquitto

beforeAll(async () => {
  broker = await startMosquitto()
})
afterAll(async () => {
  await broker?.stop()
})

const T0 = Date.parse('2026-11-02T08:00:00+08:00')

describe('external broker (Mosquitto)', () => {
  it('consumes readings and publishes rejections back to the broker', async () => {
    const svc = await startTestService({
      env: { MQTT_URL: broker.url, MQTT_CLIENT_ID: 'schoolmeter-test-1' },
    })
    const gateway = await mqttClient(broker.url)
    const rejected: { reason: string; topic: string; detail: string }[] = []
    await gateway.subscribeAsync('schools/test-school/rejected')
    gateway.on('message', (_t, p) => rejected.push(JSON.parse(p.toString())))
    try {
      expect(svc.mqttPort).toBeUndefined()
      const health = await getJson(`${svc.httpUrl}/health?lang=en`)
      expect(health.status).toBe(200)
      expect(health.body.parts.ingest.detail).toMatch(/^connected to the broker at mqtt:\/\/127\.0\.0\.1/)

      for (let i = 0; i < 100; i++) {
        await gateway.publishAsync(
          'schools/test-school/gateways/gw-a',
          JSON.stringify([
            { meter: 'W1', ts: T0 + i * 60_000, volume_m3: 1 + i * 0.01 },
            { meter: 'E1', ts: T0 + i * 60_000, energy_kwh: 5 + i * 0.2, power_w: 12000 },
          ]),
          { qos: 1 },
        )
      }
      await gateway.publishAsync('schools/test-school/meters/W1', 'not json', { qos: 1 })
      await gateway.publishAsync(
        'schools/test-school/meters/NOPE',
        JSON.stringify({ ts: T0, volume_m3: 1 }),
        { qos: 1 },
      )

      await waitFor('readings consumed', async () => {
        const m = await (await fetch(`${svc.httpUrl}/metrics`)).text()
        return metricValue(m, 'schoolmeter_readings_accepted_total') === 200 ? m : undefined
      })
      await waitFor('rejections published', () => (rejected.length === 2 ? true : undefined))
      expect(rejected.map((r) => r.reason)).toEqual(['bad_json', 'unknown_meter'])
      // Said to the gateway's installer in the school's language: the test district's default, Chinese.
      expect(rejected[0]!.detail).toMatch(/^不是有效的 JSON：/)
      expect(rejected[1]!.detail).toBe('学校 test-school 没有登记表计“NOPE”')
      const w1 = await getJson(`${svc.httpUrl}/api/v1/meters/W1`)
      expect(w1.body.readings).toBe(100)
      expect(w1.body.lastReading.used).toBe(10)
    } finally {
      await gateway.endAsync()
      await svc.stop()
    }
  })

  it('keeps its session: readings published while the service is down arrive when it returns', async () => {
    const env = { MQTT_URL: broker.url, MQTT_CLIENT_ID: 'schoolmeter-test-2' }
    const first = await startTestService({ env })
    await first.stop()
    const gateway = await mqttClient(broker.url)
    for (let i = 0; i < 20; i++) {
      await gateway.publishAsync(
        'schools/test-school/meters/T1',
        JSON.stringify({ ts: T0 + i * 1000, temp_c: 19 }),
        { qos: 1 },
      )
    }
    await gateway.endAsync()
    const second = await startTestService({ env, dataDir: first.dataDir })
    try {
      await waitFor('queued readings delivered', async () => {
        const t1 = await getJson(`${second.httpUrl}/api/v1/meters/T1`)
        return t1.body.readings === 20 ? true : undefined
      })
    } finally {
      await second.stop()
    }
  })
})
