/**
 * MQTT_URL with a broker that asks for a login and speaks TLS: a real Mosquitto with a password
 * file (mosquitto_passwd) and a certificate from a throw-away CA.
 */
import { readFileSync } from 'node:fs'
import { connectAsync } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../core/errors.js'
import { makeCerts, type TestCerts } from '../helpers/certs.js'
import { type Mosquitto, startMosquitto } from '../helpers/mosquitto.js'
import { waitFor } from '../helpers/ports.js'
import { getJson, startTestService } from '../helpers/service.js'

const USERS = { schoolmeter: 'service password, long and random', gateway: 'gateway password, also long' }
const T0 = Date.parse('2026-11-02T08:00:00+08:00')

let certs: TestCerts
let plain: Mosquitto
let secure: Mosquitto

beforeAll(async () => {
  certs = makeCerts()
  plain = await startMosquitto({ users: USERS })
  secure = await startMosquitto({ users: USERS, tls: { cert: certs.serverCert, key: certs.serverKey } })
})
afterAll(async () => {
  await plain?.stop()
  await secure?.stop()
})

async function publishAndCount(brokerUrl: string, svcUrl: string, o: { ca?: Buffer } = {}): Promise<void> {
  const gateway = await connectAsync(brokerUrl, {
    username: 'gateway',
    password: USERS.gateway,
    reconnectPeriod: 0,
    ...o,
  })
  try {
    for (let i = 0; i < 5; i++) {
      await gateway.publishAsync(
        'schools/test-school/meters/T1',
        JSON.stringify({ ts: T0 + i * 1000, temp_c: 19 }),
        {
          qos: 1,
        },
      )
    }
    await waitFor('readings consumed', async () => {
      const { body } = await getJson(`${svcUrl}/api/v1/meters/T1`)
      return body.readings === 5 ? true : undefined
    })
  } finally {
    await gateway.endAsync()
  }
}

describe('external broker with a login (Mosquitto, password file)', () => {
  it('consumes readings with MQTT_USERNAME and MQTT_PASSWORD', async () => {
    const svc = await startTestService({
      env: { MQTT_URL: plain.url, MQTT_USERNAME: 'schoolmeter', MQTT_PASSWORD: USERS.schoolmeter },
    })
    try {
      expect((await getJson(`${svc.httpUrl}/health`)).status).toBe(200)
      await publishAndCount(plain.url, svc.httpUrl)
    } finally {
      await svc.stop()
    }
  })

  it('reports a wrong password as ingest down in /health', async () => {
    const svc = await startTestService({
      env: { MQTT_URL: plain.url, MQTT_USERNAME: 'schoolmeter', MQTT_PASSWORD: 'not the password' },
    })
    try {
      const health = await getJson(`${svc.httpUrl}/health?lang=en`)
      expect(health.status).toBe(503)
      expect(health.body.parts.ingest.detail).toMatch(/^not connected to the broker at mqtt:/)
    } finally {
      await svc.stop()
    }
  }, 30_000)
})

describe('external broker over TLS (mqtts://, MQTT_CA)', () => {
  it('verifies the broker with MQTT_CA and logs in', async () => {
    expect(secure.url).toMatch(/^mqtts:/)
    const svc = await startTestService({
      env: {
        MQTT_URL: secure.url,
        MQTT_CA: certs.ca,
        MQTT_USERNAME: 'schoolmeter',
        MQTT_PASSWORD: USERS.schoolmeter,
      },
    })
    try {
      const health = await getJson(`${svc.httpUrl}/health`)
      expect(health.status).toBe(200)
      expect(health.body.parts.ingest.detail).toMatch(/^已连接 MQTT 服务器 mqtts:\/\/127\.0\.0\.1/)
      await publishAndCount(secure.url, svc.httpUrl, { ca: readFileSync(certs.ca) })
    } finally {
      await svc.stop()
    }
  })

  it('does not connect to a broker whose certificate it cannot verify, unless MQTT_REJECT_UNAUTHORIZED=0', async () => {
    const login = { MQTT_URL: secure.url, MQTT_USERNAME: 'schoolmeter', MQTT_PASSWORD: USERS.schoolmeter }
    const unverified = await startTestService({ env: login })
    try {
      expect((await getJson(`${unverified.httpUrl}/health`)).status).toBe(503)
    } finally {
      await unverified.stop()
    }
    const trusting = await startTestService({ env: { ...login, MQTT_REJECT_UNAUTHORIZED: '0' } })
    try {
      expect((await getJson(`${trusting.httpUrl}/health`)).status).toBe(200)
    } finally {
      await trusting.stop()
    }
  }, 30_000)

  it('says what is wrong with the TLS settings before connecting', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [
        { MQTT_URL: plain.url, MQTT_CA: certs.ca },
        /MQTT_URL: got "mqtt:.*"; expected an mqtts:\/\/ .*MQTT_CA is set/,
      ],
      [{ MQTT_URL: secure.url, MQTT_CERT: certs.clientCert }, /MQTT_KEY: got nothing; expected a PEM file/],
      [
        { MQTT_URL: secure.url, MQTT_TLS_PORT: '8883' },
        /MQTT_TLS_PORT: got 8883; expected nothing: it configures the embedded broker/,
      ],
      [
        { MQTT_URL: secure.url, MQTT_CA: '/nonexistent/ca.pem' },
        /MQTT_CA: got "\/nonexistent\/ca\.pem"; expected a readable PEM file/,
      ],
    ]
    for (const [env, message] of cases) {
      const err = await startTestService({ env }).then(
        (s) => s.stop().then(() => undefined),
        (e: Error) => e,
      )
      expect(err, JSON.stringify(env)).toBeInstanceOf(ConfigError)
      expect(err!.message).toMatch(message)
    }
  })
})
