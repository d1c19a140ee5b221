/**
 * The embedded broker's security with real mqtt.js clients: gateway logins bound to a school,
 * the topic ACL, the safe default for anonymous clients, TLS (with and without client
 * certificates), the limits (packet size, CONNECT rate, message rate by back-pressure) and the
 * admin CLI as a real child process.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Service } from '../../app/service.js'
import { ConfigError } from '../../core/errors.js'
import { hashSecret } from '../../core/secrets.js'
import type { EmbeddedBroker } from '../../ingest/index.js'
import { openStore } from '../../store/index.js'
import { makeCerts, type TestCerts } from '../helpers/certs.js'
import { waitFor } from '../helpers/ports.js'
import { getJson, metricValue, startTestService } from '../helpers/service.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const T0 = Date.parse('2026-11-02T08:00:00+08:00')
const PASSWORD = 'correct horse battery staple'
const OTHER_PASSWORD = 'a different password, long enough'

type TestService = Service & { dataDir: string }

const url = (svc: TestService) => `mqtt://127.0.0.1:${svc.mqttPort}`
const security = (svc: TestService) => (svc.broker as EmbeddedBroker).security!

/** Connects once (no retries); rejects with the broker's refusal or the connection's end. */
function connect(target: string, o: IClientOptions = {}): Promise<MqttClient> {
  return connectAsync(target, { reconnectPeriod: 0, connectTimeout: 5000, ...o }, false)
}

async function refused(target: string, o: IClientOptions = {}): Promise<Error & { code?: number }> {
  const client = await connect(target, o).then(
    (c) => c,
    (err: Error) => err,
  )
  if (client instanceof Error) return client
  await client.endAsync()
  throw new Error(`expected ${target} to refuse ${o.username ?? 'an anonymous client'}`)
}

function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => (client.disconnected ? resolve() : client.once('close', () => resolve())))
}

function addGateway(svc: { store: TestService['store'] }, username: string, school: string, alerts = false) {
  svc.store.gatewayCredentials.add({
    username,
    schoolId: school,
    hash: hashSecret(PASSWORD),
    maySubscribeAlerts: alerts,
  })
}

const temperature = (i: number) => JSON.stringify({ ts: T0 + i * 1000, temp_c: 20 + (i % 10) / 10 })

async function readings(svc: TestService, meter: string): Promise<number> {
  const { status, body } = await getJson(`${svc.httpUrl}/api/v1/meters/${meter}`)
  expect(status).toBe(200)
  return body.readings
}

async function metric(svc: TestService, sample: string): Promise<number> {
  return metricValue(await (await fetch(`${svc.httpUrl}/metrics`)).text(), sample)
}

describe('gateway logins on the embedded broker', () => {
  let svc: TestService
  beforeAll(async () => {
    svc = await startTestService()
  })
  afterAll(async () => {
    await svc?.stop()
  })

  it('takes anonymous clients on loopback until the first credential, then only right logins', async () => {
    const anonymous = await connect(url(svc))
    await anonymous.endAsync()

    addGateway(svc, 'gw-a', 'test-school')
    addGateway(svc, 'gw-alerts', 'test-school', true)
    const noLogin = await refused(url(svc))
    expect(noLogin.message).toMatch(/Not authorized/i)
    expect(noLogin.code).toBe(5)
    for (const [username, password] of [
      ['gw-a', 'wrong password, but long'],
      ['gw-a', ''],
      ['nobody', PASSWORD],
    ]) {
      const err = await refused(url(svc), { username, password })
      expect(err.message, `${username}/${password}`).toMatch(/Bad username or password/i)
      expect(err.code).toBe(4)
    }
    expect(await metric(svc, 'schoolmeter_mqtt_connects_refused_total{reason="bad_credentials"}')).toBe(3)
    expect(await metric(svc, 'schoolmeter_mqtt_connects_refused_total{reason="anonymous"}')).toBe(1)

    const gw = await connect(url(svc), { username: 'gw-a', password: PASSWORD })
    try {
      await gw.publishAsync('schools/test-school/meters/T1', temperature(0), { qos: 1 })
      await gw.publishAsync(
        'schools/test-school/gateways/gw-a',
        JSON.stringify([{ meter: 'T1', ts: T0 + 1000, temp_c: 21 }]),
        { qos: 1 },
      )
      await waitFor('the readings', async () => ((await readings(svc, 'T1')) === 2 ? true : undefined))
    } finally {
      await gw.endAsync()
    }
  })

  it('keeps a gateway to its own school: publishing elsewhere disconnects it, nothing of it is taken', async () => {
    const received = await metric(svc, 'schoolmeter_messages_received_total')
    for (const topic of [
      'schools/other-school/meters/OW1',
      'schools/other-school/gateways/gw-a',
      // The service's own output topics are not the gateway's to write.
      'schools/test-school/alerts',
      'schools/test-school/rejected',
      'elsewhere/entirely',
    ]) {
      const gw = await connect(url(svc), { username: 'gw-a', password: PASSWORD })
      const gone = closed(gw)
      gw.publish(topic, JSON.stringify({ ts: T0, volume_m3: 1 }), { qos: 1 })
      await gone
      gw.end(true)
    }
    expect(await metric(svc, 'schoolmeter_mqtt_acl_denied_total{action="publish"}')).toBe(5)
    expect(await metric(svc, 'schoolmeter_mqtt_disconnects_total{reason="acl_publish"}')).toBe(5)
    expect(await metric(svc, 'schoolmeter_messages_received_total')).toBe(received)
    expect(await readings(svc, 'OW1')).toBe(0)
  })

  it("subscribes a gateway to its own rejections (and alerts when allowed), never to another school's", async () => {
    const gw = await connect(url(svc), { username: 'gw-a', password: PASSWORD })
    const withAlerts = await connect(url(svc), { username: 'gw-alerts', password: PASSWORD })
    try {
      // mqtt.js turns a refusal (0x80) into an error that carries the SUBACK.
      const granted = (client: MqttClient, topic: string) =>
        client.subscribeAsync(topic, { qos: 1 }).then(
          (g) => g[0]!.qos,
          (err: Error & { packet?: { granted?: number[] } }) => {
            if (!err.packet?.granted) throw err
            return err.packet.granted[0]
          },
        )
      expect(await granted(gw, 'schools/test-school/rejected')).toBe(1)
      expect(await granted(gw, 'schools/test-school/alerts')).toBe(128)
      expect(await granted(gw, 'schools/other-school/alerts')).toBe(128)
      expect(await granted(gw, 'schools/other-school/rejected')).toBe(128)
      expect(await granted(gw, 'schools/#')).toBe(128)
      expect(await granted(gw, 'schools/test-school/#')).toBe(128)
      expect(await granted(withAlerts, 'schools/test-school/alerts')).toBe(1)
      expect(await granted(withAlerts, 'schools/other-school/alerts')).toBe(128)
      expect(await metric(svc, 'schoolmeter_mqtt_acl_denied_total{action="subscribe"}')).toBe(6)
      // A refused subscription leaves the client connected, and its own feedback reaches it.
      const rejections: { reason: string }[] = []
      gw.on('message', (_t, p) => rejections.push(JSON.parse(p.toString())))
      await gw.publishAsync('schools/test-school/meters/T1', 'not json', { qos: 1 })
      await waitFor('the rejection', () => (rejections.length === 1 ? true : undefined))
      expect(rejections[0]!.reason).toBe('bad_json')
    } finally {
      await gw.endAsync()
      await withAlerts.endAsync()
    }
  })

  it('stops rotated and revoked logins, for new connections and live sessions', async () => {
    addGateway(svc, 'gw-rotate', 'test-school')
    addGateway(svc, 'gw-revoke', 'test-school')
    const rotating = await connect(url(svc), { username: 'gw-rotate', password: PASSWORD })
    const revoking = await connect(url(svc), { username: 'gw-revoke', password: PASSWORD })
    const bystander = await connect(url(svc), { username: 'gw-a', password: PASSWORD })
    try {
      expect(svc.store.gatewayCredentials.rotate('gw-rotate', hashSecret(OTHER_PASSWORD))).toBe(true)
      expect(svc.store.gatewayCredentials.revoke('gw-revoke')).toBe(true)
      const rotatedGone = closed(rotating)
      const revokedGone = closed(revoking)
      expect(security(svc).recheckSessions()).toBe(2)
      await rotatedGone
      await revokedGone
      expect(bystander.connected).toBe(true)
      expect(await metric(svc, 'schoolmeter_mqtt_disconnects_total{reason="credential_invalidated"}')).toBe(2)

      expect((await refused(url(svc), { username: 'gw-rotate', password: PASSWORD })).code).toBe(4)
      expect((await refused(url(svc), { username: 'gw-revoke', password: PASSWORD })).code).toBe(4)
      const renewed = await connect(url(svc), { username: 'gw-rotate', password: OTHER_PASSWORD })
      await renewed.endAsync()
    } finally {
      rotating.end(true)
      revoking.end(true)
      await bystander.endAsync()
    }
  })

  it("lets the service's own clients (the demo simulator) in with its in-memory login, for every school", async () => {
    const login = (svc.broker as EmbeddedBroker).internalLogin!
    expect(svc.store.gatewayCredentials.get(login.username)).toBeUndefined()
    const internal = await connect(url(svc), login)
    try {
      await internal.publishAsync(
        'schools/other-school/meters/OW1',
        JSON.stringify({ ts: T0, volume_m3: 1 }),
        {
          qos: 1,
        },
      )
      await waitFor('the reading', async () => ((await readings(svc, 'OW1')) === 1 ? true : undefined))
    } finally {
      await internal.endAsync()
    }
    expect((await refused(url(svc), { username: login.username, password: PASSWORD })).code).toBe(4)
  })
})

describe('safe defaults', () => {
  it('refuses to start a broker reachable beyond loopback with neither credentials nor ALLOW_ANONYMOUS=1', async () => {
    const err = await startTestService({ env: { MQTT_HOST: '0.0.0.0' } }).then(
      (s) => s.stop().then(() => undefined),
      (e: Error) => e,
    )
    expect(err).toBeInstanceOf(ConfigError)
    expect(err!.message).toMatch(/MQTT_HOST: got "0\.0\.0\.0"/)
    expect(err!.message).toContain('npm run admin -- gateway add')
    expect(err!.message).toContain('ALLOW_ANONYMOUS=1')
  })

  it('starts beyond loopback with ALLOW_ANONYMOUS=1, anonymous clients and all', async () => {
    const svc = await startTestService({ env: { MQTT_HOST: '0.0.0.0', ALLOW_ANONYMOUS: '1' } })
    try {
      const client = await connect(url(svc))
      await client.endAsync()
      // Wrong passwords are refused even where anonymous clients are welcome.
      addGateway(svc, 'gw-a', 'test-school')
      expect((await refused(url(svc), { username: 'gw-a', password: 'not the password at all' })).code).toBe(
        4,
      )
    } finally {
      await svc.stop()
    }
  })

  it('starts beyond loopback with a credential in the store, and then asks every client to log in', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'schoolmeter-svc-'))
    const store = openStore(dataDir)
    addGateway({ store }, 'gw-a', 'test-school')
    store.close()
    const svc = await startTestService({ dataDir, env: { MQTT_HOST: '0.0.0.0' } })
    try {
      expect((await refused(url(svc))).code).toBe(5)
      const gw = await connect(url(svc), { username: 'gw-a', password: PASSWORD })
      await gw.publishAsync('schools/test-school/meters/T1', temperature(0), { qos: 1 })
      await gw.endAsync()
      expect(await readings(svc, 'T1')).toBe(1)
    } finally {
      await svc.stop()
    }
  })
})

describe('TLS listener', () => {
  let certs: TestCerts
  beforeAll(() => {
    certs = makeCerts()
  })

  it('speaks MQTT over TLS beside the plain port; plain MQTT to the TLS port gets nowhere', async () => {
    const svc = await startTestService({
      env: { MQTT_TLS_PORT: '0', MQTT_TLS_CERT: certs.serverCert, MQTT_TLS_KEY: certs.serverKey },
    })
    try {
      const tlsPort = (svc.broker as EmbeddedBroker).tlsPort!
      expect(svc.broker.address).toContain(`mqtts://127.0.0.1:${tlsPort}`)
      const ca = readFileSync(certs.ca)
      const secure = await connect(`mqtts://localhost:${tlsPort}`, { ca })
      await secure.publishAsync('schools/test-school/meters/T1', temperature(0), { qos: 1 })
      await secure.endAsync()
      expect(await readings(svc, 'T1')).toBe(1)

      await refused(`mqtt://127.0.0.1:${tlsPort}`, { connectTimeout: 2000 })
      // The server's certificate is checked: without the CA that signed it, no connection.
      expect((await refused(`mqtts://localhost:${tlsPort}`)).message).toMatch(/certificate/i)
    } finally {
      await svc.stop()
    }
  })

  it('requires client certificates signed by MQTT_TLS_CA when it is set', async () => {
    const svc = await startTestService({
      env: {
        MQTT_TLS_PORT: '0',
        MQTT_TLS_CERT: certs.serverCert,
        MQTT_TLS_KEY: certs.serverKey,
        MQTT_TLS_CA: certs.ca,
      },
    })
    try {
      const target = `mqtts://localhost:${(svc.broker as EmbeddedBroker).tlsPort}`
      const ca = readFileSync(certs.ca)
      await refused(target, { ca, connectTimeout: 2000 })
      const client = await connect(target, {
        ca,
        cert: readFileSync(certs.clientCert),
        key: readFileSync(certs.clientKey),
      })
      await client.endAsync()
    } finally {
      await svc.stop()
    }
  })

  it('says which TLS file is missing or unreadable', async () => {
    const missing = await startTestService({
      env: { MQTT_TLS_PORT: '0', MQTT_TLS_KEY: certs.serverKey },
    }).then(
      () => undefined,
      (e: Error) => e,
    )
    expect(missing?.message).toMatch(/MQTT_TLS_CERT: got nothing; expected a PEM certificate file/)
    const unreadable = await startTestService({
      env: { MQTT_TLS_PORT: '0', MQTT_TLS_CERT: '/nonexistent/cert.pem', MQTT_TLS_KEY: certs.serverKey },
    }).then(
      () => undefined,
      (e: Error) => e,
    )
    expect(unreadable?.message).toMatch(
      /MQTT_TLS_CERT: got "\/nonexistent\/cert\.pem"; expected a readable PEM file/,
    )
    // The external broker's TLS variables are a mistake here, and said to be one.
    const misplaced = await startTestService({ env: { MQTT_CA: certs.ca } }).then(
      () => undefined,
      (e: Error) => e,
    )
    expect(misplaced?.message).toMatch(/MQTT_CA: got ".*"; expected nothing: it is for an external broker/)
  })
})

describe('limits', () => {
  it('holds publishes over the message rate to the next second: slower, nothing lost at QoS 1', async () => {
    const svc = await startTestService({ env: { MQTT_MAX_MESSAGES_PER_SECOND: '50' } })
    const client = await connect(url(svc))
    try {
      const began = performance.now()
      await Promise.all(
        Array.from({ length: 150 }, (_, i) =>
          client.publishAsync('schools/test-school/meters/T1', temperature(i), { qos: 1 }),
        ),
      )
      const seconds = (performance.now() - began) / 1000
      expect(seconds).toBeGreaterThan(1)
      expect(await readings(svc, 'T1')).toBe(150)
      expect(await metric(svc, 'schoolmeter_mqtt_throttled_messages_total')).toBeGreaterThanOrEqual(50)
      const { body } = await getJson(`${svc.httpUrl}/api/v1/meters/T1`)
      expect(Date.parse(body.lastReading.ts)).toBe(T0 + 149_000)
    } finally {
      await client.endAsync()
      await svc.stop()
    }
  })

  it('closes a connection whose packet is over MQTT_MAX_PACKET_BYTES before buffering it', async () => {
    const svc = await startTestService({ env: { MQTT_MAX_PACKET_BYTES: '4096' } })
    try {
      const client = await connect(url(svc))
      await client.publishAsync('schools/test-school/meters/T1', temperature(0), { qos: 1 })
      const gone = closed(client)
      client.publish(
        'schools/test-school/meters/T1',
        JSON.stringify({ ts: T0 + 1000, temp_c: 20, pad: 'x'.repeat(8000) }),
        { qos: 1 },
      )
      await gone
      client.end(true)
      expect(await metric(svc, 'schoolmeter_mqtt_disconnects_total{reason="packet_too_large"}')).toBe(1)
      expect(await readings(svc, 'T1')).toBe(1)
    } finally {
      await svc.stop()
    }
  })

  it('refuses a client id that connects too often (a flapping takeover) with "server unavailable"', async () => {
    const svc = await startTestService({ env: { MQTT_MAX_CONNECTS_PER_MINUTE: '3' } })
    try {
      for (let i = 0; i < 3; i++) await (await connect(url(svc), { clientId: 'flapping' })).endAsync()
      const err = await refused(url(svc), { clientId: 'flapping' })
      expect(err.code).toBe(3)
      expect(err.message).toMatch(/Server unavailable/i)
      await (await connect(url(svc), { clientId: 'steady' })).endAsync()
      expect(await metric(svc, 'schoolmeter_mqtt_connects_refused_total{reason="connect_rate"}')).toBe(1)
    } finally {
      await svc.stop()
    }
  })
})

describe('npm run admin -- gateway (a real child process)', () => {
  const admin = (dataDir: string, args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'app/admin.ts', 'gateway', ...args],
        {
          cwd: ROOT,
          env: { ...process.env, DATA_DIR: dataDir, CONFIG: join(dataDir, 'district.yaml'), LOCALE: 'en' },
        },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      )
    })

  it('adds a login that a running service accepts at once, and revokes it', async () => {
    const svc = await startTestService()
    try {
      const unknown = await admin(svc.dataDir, ['add', 'gw-cli', '--school', 'no-such-school'])
      expect(unknown.code).toBe(2)
      expect(unknown.stderr).toContain('school "no-such-school" is not in the registry')

      const added = await admin(svc.dataDir, ['add', 'gw-cli', '--school', 'test-school'])
      expect(added.stderr).toBe('')
      expect(added.code).toBe(0)
      const password = /^password .*: (\S+)$/m.exec(added.stdout)?.[1]
      expect(password).toBeDefined()
      expect(svc.store.gatewayCredentials.get('gw-cli')?.hash).not.toContain(password)

      expect((await refused(url(svc))).code).toBe(5)
      const gw = await connect(url(svc), { username: 'gw-cli', password: password! })
      await gw.publishAsync('schools/test-school/meters/T1', temperature(0), { qos: 1 })
      expect(await readings(svc, 'T1')).toBe(1)

      const listed = await admin(svc.dataDir, ['list'])
      expect(listed.stdout).toMatch(/gw-cli\s+test-school\s+no\s+active/)
      expect(listed.stdout).not.toContain(password)

      const revoked = await admin(svc.dataDir, ['revoke', 'gw-cli'])
      expect(revoked.code).toBe(0)
      const gone = closed(gw)
      security(svc).recheckSessions()
      await gone
      gw.end(true)
      expect((await refused(url(svc), { username: 'gw-cli', password: password! })).code).toBe(4)
      // Who did what is in the audit log.
      const audit = svc.store.audit.list({ target: 'gateway:gw-cli' })
      expect(audit.map((e) => e.action).sort()).toEqual(['gateway.create', 'gateway.revoke'])
      expect(audit[0]!.actor).toMatch(/^cli:/)
    } finally {
      await svc.stop()
    }
  }, 60_000)
})
