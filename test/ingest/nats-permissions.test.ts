/**
 * Gateways on a NATS cluster, each held to its school by the broker: the users
 * `npm run admin -- gateway nats-users` writes, loaded by a real nats-server (Debian's) with MQTT
 * and JetStream, a worker consuming through the service's own ExternalBroker, gateways as mqtt.js
 * clients. The same probe against the shared gateway login of before shows that it would catch a
 * gateway publishing as another school.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { connect as connectTcp } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectAsync, ErrorWithSubackPacket, type MqttClient } from 'mqtt'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { t } from '../../core/i18n/index.js'
import { hashSecret } from '../../core/secrets.js'
import { ExternalBroker } from '../../ingest/broker/external.js'
import { openStore } from '../../store/index.js'
import { runAdmin, runAdminOk } from '../helpers/admin-cli.js'
import { type NatsCluster, startNats } from '../helpers/nats.js'

const A = 'sunshine-primary'
const B = 'riverside-middle'
// As `openssl rand -hex` may make it, then with a space: NATS would not load it from a variable.
const WORKER = { username: 'schoolmeter', password: '3e5a9f the workers password, long' }
const PASSWORDS = {
  'gw-a': 'password of gateway a, 32 chars',
  'gw-b': 'password of gateway b, 32 chars',
  'gw-b2': 'password of gateway b2, 33 chars',
  'gw-old': 'password of gateway old, 34 chars',
} as const
type Gateway = keyof typeof PASSWORDS

/** What a worker received, in order, and a way to wait for one message (an event, not a sleep). */
class Inbox {
  readonly messages: { topic: string; payload: string }[] = []
  private waiters: { match: (topic: string, payload: string) => boolean; resolve: () => void }[] = []

  take = (topic: string, payload: Buffer): undefined => {
    this.messages.push({ topic, payload: payload.toString() })
    for (const w of this.waiters.filter((w) => w.match(topic, payload.toString()))) {
      w.resolve()
      this.waiters.splice(this.waiters.indexOf(w), 1)
    }
    return undefined
  }

  next(topic: string, payload: string): Promise<void> {
    if (this.messages.some((m) => m.topic === topic && m.payload === payload)) return Promise.resolve()
    return new Promise((resolve) =>
      this.waiters.push({ match: (t, p) => t === topic && p === payload, resolve }),
    )
  }

  topics(): string[] {
    return this.messages.map((m) => m.topic)
  }
}

/** A worker as the service runs one on a cluster: ExternalBroker, persistent session, `schools/#`. */
async function startWorker(url: string, clientId: string, password = WORKER.password) {
  const inbox = new Inbox()
  const logged: string[] = []
  const log = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) })
  const broker = new ExternalBroker({
    url,
    username: WORKER.username,
    password,
    clientId,
    onMessage: inbox.take,
    log,
  })
  await broker.start()
  return { broker, inbox, logged }
}

function gateway(url: string, username: string, password: string, clientId = username): Promise<MqttClient> {
  return connectAsync(url, { username, password, clientId, clean: false, reconnectPeriod: 0 })
}

/** The SUBACK's code for one filter: its QoS, or 128 when the broker refused it. */
async function granted(client: MqttClient, filter: string): Promise<number> {
  try {
    const g = await client.subscribeAsync(filter, { qos: 1 })
    return g[0]!.qos
  } catch (err) {
    if (err instanceof ErrorWithSubackPacket) return err.packet.granted[0] as number
    throw err
  }
}

/** Whether the broker refuses a login at CONNECT, and with which CONNACK code. */
async function refusedCode(url: string, username: string | undefined, password: string | undefined) {
  try {
    const c = await connectAsync(url, {
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      clientId: `probe-${username ?? 'anonymous'}`,
      reconnectPeriod: 0,
    })
    await c.endAsync()
    return undefined
  } catch (err) {
    return (err as { code?: number }).code
  }
}

/**
 * Gateway A publishes, at QoS 1, as school B and into its own school's service topics, then a
 * reading of its own. Resolves once the worker has that last reading: anything delivered of the
 * forged ones came before it (one connection, one consumer, in order).
 */
async function forgeThenOwn(gatewayA: MqttClient, inbox: Inbox, tag: string) {
  const forged = [`schools/${B}/meters/forged-${tag}`, `schools/${A}/alerts`, `schools/${A}/rejected`]
  for (const topic of forged) await gatewayA.publishAsync(topic, `forged ${tag}`, { qos: 1 })
  await gatewayA.publishAsync(`schools/${A}/meters/own-${tag}`, `own ${tag}`, { qos: 1 })
  await inbox.next(`schools/${A}/meters/own-${tag}`, `own ${tag}`)
  return inbox.messages.filter((m) => m.payload === `forged ${tag}`).map((m) => m.topic)
}

describe('NATS users from the gateway logins (gateway nats-users)', () => {
  let dir: string
  let usersFile: string
  let nats: NatsCluster
  let worker: Awaited<ReturnType<typeof startWorker>>
  const env = () => ({
    DATA_DIR: join(dir, 'data'),
    LOCALE: 'en',
    MQTT_USERNAME: WORKER.username,
    MQTT_PASSWORD: WORKER.password,
  })
  let firstRun: { stdout: string; stderr: string }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'schoolmeter-natsperm-'))
    mkdirSync(join(dir, 'auth'))
    usersFile = join(dir, 'auth', 'users.conf')
    const add = (name: Gateway, school: string, ...more: string[]) =>
      runAdminOk(['gateway', 'add', name, '--school', school, '--password', PASSWORDS[name], ...more], env())
    await add('gw-a', A, '--alerts')
    await add('gw-b', B)
    await add('gw-b2', B)
    // A login from before the bcrypt hash was kept: its scrypt hash only.
    const store = openStore(join(dir, 'data'))
    store.gatewayCredentials.add({
      username: 'gw-old',
      schoolId: A,
      hash: hashSecret(PASSWORDS['gw-old']),
      maySubscribeAlerts: false,
    })
    await store.close()
    firstRun = await runAdminOk(['gateway', 'nats-users', '--out', usersFile], env())
    nats = await startNats({ include: usersFile })
    worker = await startWorker(nats.mqttUrls, 'schoolmeter-test-worker')
  }, 180_000)

  afterAll(async () => {
    await worker?.broker.stop()
    await nats?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('writes the active logins with bcrypt hashes, names the one to rotate in the operator’s language, and prints no password', async () => {
    expect(firstRun.stdout).toContain(
      t('en', 'admin.gateway.nats.written', { count: 3, out: true, file: usersFile }),
    )
    expect(firstRun.stderr).toContain(
      t('en', 'admin.gateway.nats.needRotation', { count: 1, usernames: 'gw-old' }),
    )
    // Without --out the file goes to standard output and the sentences to standard error, in Chinese here.
    const zh = await runAdminOk(['gateway', 'nats-users'], { ...env(), LOCALE: 'zh-CN' })
    expect(zh.stderr).toContain(
      t('zh-CN', 'admin.gateway.nats.needRotation', { count: 1, usernames: 'gw-old' }),
    )
    expect(zh.stdout).toMatch(/^authorization \{$/m)
    expect(zh.stdout).toMatch(/^# .*NATS 集群/m)
    for (const output of [firstRun.stdout, firstRun.stderr, zh.stdout, zh.stderr])
      for (const password of [...Object.values(PASSWORDS), WORKER.password])
        expect(output).not.toContain(password)
    expect(zh.stdout).toMatch(/user: "gw-a", password: "\$2b\$10\$/)
    expect(zh.stdout).not.toContain('"gw-old"')
    expect(statSync(usersFile).mode & 0o777).toBe(0o640)
    // Written again, the file keeps the mode it was given, and nothing is left beside it.
    chmodSync(usersFile, 0o604)
    await runAdminOk(['gateway', 'nats-users', '--out', usersFile], env())
    expect(statSync(usersFile).mode & 0o777).toBe(0o604)
    expect(readdirSync(join(dir, 'auth'))).toEqual(['users.conf'])
  })

  it("refuses to write without the workers' login, and a password bcrypt would cut", async () => {
    const noWorker = await runAdmin(['gateway', 'nats-users'], { ...env(), MQTT_PASSWORD: '' })
    expect(noWorker.code).not.toBe(0)
    expect(noWorker.stderr).toContain(
      t('en', 'admin.gateway.nats.workerNeeded', { minimum: 16, maximum: 72 }),
    )
    expect(noWorker.stdout).toBe('')
    const long = 'x'.repeat(73)
    const tooLong = await runAdmin(['gateway', 'add', 'gw-long', '--school', A, '--password', long], env())
    expect(tooLong.code).not.toBe(0)
    expect(tooLong.stderr).toContain(t('en', 'admin.gateway.nats.passwordLong', { bytes: 73, maximum: 72 }))
  })

  it('a gateway publishes at QoS 1 under its school and the worker receives it', async () => {
    expect(worker.broker.health().ok).toBe(true)
    const a = await gateway(nats.mqttUrls, 'gw-a', PASSWORDS['gw-a'])
    try {
      await a.publishAsync(`schools/${A}/meters/M-1`, 'reading', { qos: 1 })
      await worker.inbox.next(`schools/${A}/meters/M-1`, 'reading')
    } finally {
      await a.endAsync()
    }
  })

  it("a gateway publishing as another school, or into its school's alerts and rejected topics, is acknowledged and dropped: the worker never receives it", async () => {
    const a = await gateway(nats.mqttUrls, 'gw-a', PASSWORDS['gw-a'])
    let closed = false
    a.on('close', () => {
      closed = true
    })
    try {
      // NATS sends the PUBACK and drops the message (it logs a publish violation); the gateway
      // is not disconnected.
      expect(await forgeThenOwn(a, worker.inbox, 'generated')).toEqual([])
      expect(closed).toBe(false)
      expect(nats.nodes[0]!.log()).toContain(
        `Publish Violation - User "gw-a", Subject "schools.${B}.meters.forged-generated"`,
      )
      expect(nats.nodes[0]!.log()).toContain(`Publish Violation - User "gw-a", Subject "schools.${A}.alerts"`)
    } finally {
      await a.endAsync()
    }
  })

  it("a gateway subscribes to its own rejected topic, and its school's alerts only when allowed", async () => {
    const a = await gateway(nats.mqttUrls, 'gw-a', PASSWORDS['gw-a'])
    const b = await gateway(nats.mqttUrls, 'gw-b', PASSWORDS['gw-b'])
    try {
      expect(await granted(a, `schools/${A}/alerts`)).toBe(1)
      expect(await granted(a, `schools/${A}/rejected`)).toBe(1)
      for (const filter of [
        `schools/${B}/alerts`,
        `schools/${B}/rejected`,
        `schools/${B}/meters/+`,
        'schools/#',
        '#',
        // The subjects NATS delivers QoS 1 subscriptions on, which the gateway's user may
        // subscribe to: NATS keeps MQTT clients out of them.
        '$MQTT/sub/#',
      ])
        expect(await granted(a, filter), filter).toBe(128)
      expect(await granted(b, `schools/${B}/alerts`)).toBe(128)
      expect(await granted(b, `schools/${B}/rejected`)).toBe(1)
      // The worker publishes an alert as the service does; the gateway allowed to has it at QoS 1.
      const alert = new Promise<string>((resolve) => a.once('message', (topic) => resolve(topic)))
      worker.broker.publish(`schools/${A}/alerts`, '{"id":1}')
      expect(await alert).toBe(`schools/${A}/alerts`)
    } finally {
      await a.endAsync()
      await b.endAsync()
    }
  })

  it('refuses a wrong password, anonymous clients, a login from before the bcrypt hash, and gateways on the NATS protocol port', async () => {
    expect(await refusedCode(nats.mqttUrls, 'gw-a', 'not the password of gateway a')).toBe(5)
    expect(await refusedCode(nats.mqttUrls, undefined, undefined)).toBe(5)
    expect(await refusedCode(nats.mqttUrls, 'gw-old', PASSWORDS['gw-old'])).toBe(5)
    expect(await refusedCode(nats.mqttUrls, 'nobody', 'any password at all, 32 chars')).toBe(5)
    expect(await refusedCode(nats.mqttUrls, 'gw-a', PASSWORDS['gw-a'])).toBeUndefined()
    // The right gateways have to receive QoS 1 ($MQTT.sub.>) is theirs over MQTT only.
    expect(await natsProtocolLogin(nats.nodes[0]!.clientPort, 'gw-a', PASSWORDS['gw-a'])).toMatch(
      /Authorization Violation/,
    )
  })

  it('a revoked or rotated login stops working once the users are written again and the nodes reload; other sessions stay', async () => {
    const b2 = await gateway(nats.mqttUrls, 'gw-b2', PASSWORDS['gw-b2'])
    const b = await gateway(nats.mqttUrls, 'gw-b', PASSWORDS['gw-b'])
    const a = await gateway(nats.mqttUrls, 'gw-a', PASSWORDS['gw-a'])
    let aClosed = false
    a.on('close', () => {
      aClosed = true
    })
    const rotated = 'the new password of gateway b, 34'
    try {
      await runAdminOk(['gateway', 'revoke', 'gw-b2'], env())
      await runAdminOk(['gateway', 'rotate', 'gw-b', '--password', rotated], env())
      await runAdminOk(['gateway', 'nats-users', '--out', usersFile], env())
      const closed = (c: MqttClient) => new Promise<void>((resolve) => c.once('close', () => resolve()))
      const b2Closed = closed(b2)
      const bClosed = closed(b)
      await Promise.all(nats.nodes.map((n) => n.reload()))
      // NATS closes the live sessions of a user it no longer has, and of a password it no longer takes.
      await Promise.all([b2Closed, bClosed])
      expect(await refusedCode(nats.mqttUrls, 'gw-b2', PASSWORDS['gw-b2'])).toBe(5)
      expect(await refusedCode(nats.mqttUrls, 'gw-b', PASSWORDS['gw-b'])).toBe(5)
      expect(await refusedCode(nats.mqttUrls, 'gw-b', rotated)).toBeUndefined()
      // The other gateway and the worker kept their sessions through the reload.
      await a.publishAsync(`schools/${A}/meters/after-reload`, 'after reload', { qos: 1 })
      await worker.inbox.next(`schools/${A}/meters/after-reload`, 'after reload')
      expect(aClosed).toBe(false)
      expect(worker.logged.filter((l) => l.includes('reconnecting'))).toEqual([])
    } finally {
      b2.end(true)
      b.end(true)
      await a.endAsync()
    }
  })
})

/** CONNECT on the NATS protocol port; resolves with the server's answer (PONG or -ERR …). */
function natsProtocolLogin(port: number, user: string, pass: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, '127.0.0.1')
    let seen = ''
    socket.on('data', (d) => {
      seen += d.toString()
      if (/^INFO /m.test(seen) && !seen.includes('CONNECT-SENT')) {
        seen += 'CONNECT-SENT\n'
        socket.write(`CONNECT ${JSON.stringify({ user, pass, verbose: false, pedantic: false })}\r\nPING\r\n`)
      }
      const answer = /^(PONG|-ERR .*)\r?$/m.exec(seen)
      if (answer) {
        socket.destroy()
        resolve(answer[1]!)
      }
    })
    socket.on('error', reject)
  })
}

/**
 * The same probe on the one shared gateway login of before (deploy/cluster/nats.conf until the
 * users were generated): there, any gateway publishes as any school. What the tests above would
 * have caught.
 */
/** Passwords NATS could read from a variable (no space, not starting as a number). */
const SHARED = { worker: 'workerpasswordwithoutspaces', gateway: 'gatewaypasswordwithoutspaces' }

describe('the shared gateway login of before', () => {
  let dir: string
  let nats: NatsCluster
  let worker: Awaited<ReturnType<typeof startWorker>>

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'schoolmeter-natsshared-'))
    const file = join(dir, 'shared.conf')
    writeFileSync(
      file,
      `authorization {
  users: [
    { user: $NATS_WORKER_USER, password: $NATS_WORKER_PASSWORD }
    { user: $NATS_GATEWAY_USER, password: $NATS_GATEWAY_PASSWORD }
  ]
}
`,
    )
    nats = await startNats({
      include: file,
      env: {
        NATS_WORKER_USER: WORKER.username,
        NATS_WORKER_PASSWORD: SHARED.worker,
        NATS_GATEWAY_USER: 'gateway',
        NATS_GATEWAY_PASSWORD: SHARED.gateway,
      },
    })
    worker = await startWorker(nats.mqttUrls, 'schoolmeter-test-worker', SHARED.worker)
  }, 120_000)

  afterAll(async () => {
    await worker?.broker.stop()
    await nats?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('lets a gateway publish as another school and into the service topics', async () => {
    const a = await gateway(nats.mqttUrls, 'gateway', SHARED.gateway, 'gw-a')
    try {
      expect(await forgeThenOwn(a, worker.inbox, 'shared')).toEqual([
        `schools/${B}/meters/forged-shared`,
        `schools/${A}/alerts`,
        `schools/${A}/rejected`,
      ])
      expect(await granted(a, `schools/${B}/alerts`)).toBe(1)
    } finally {
      await a.endAsync()
    }
  })
})
