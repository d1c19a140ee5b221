/** Publishes nobody can receive skip aedes' routing (ingest/broker/routing.ts); the rest do not. */
import { createServer, type Server } from 'node:net'
import { Aedes } from 'aedes'
import { connectAsync, type MqttClient } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { parsePublishesFast } from '../../ingest/broker/parser.js'
import { matches, SubscriptionFilters, skipUnroutedPublishes } from '../../ingest/broker/routing.js'
import { waitFor } from '../helpers/ports.js'

describe('topic filters', () => {
  it('match as MQTT says', () => {
    const m = (filter: string, topic: string) => matches(filter.split('/'), topic)
    expect(m('a/b', 'a/b')).toBe(true)
    expect(m('a/b', 'a/bc')).toBe(false)
    expect(m('a/b', 'a/b/c')).toBe(false)
    expect(m('a/b/c', 'a/b')).toBe(false)
    expect(m('a/+', 'a/b')).toBe(true)
    expect(m('a/+', 'a/')).toBe(true)
    expect(m('a/+', 'a')).toBe(false)
    expect(m('a/+/c', 'a/x/c')).toBe(true)
    expect(m('a/+/c', 'a/x/d')).toBe(false)
    expect(m('a/#', 'a')).toBe(true)
    expect(m('a/#', 'a/b/c')).toBe(true)
    expect(m('a/#', 'b/a')).toBe(false)
    expect(m('#', 'anything/at/all')).toBe(true)
    expect(m('+/+', 'a/b')).toBe(true)
    expect(m('+/+', 'a/b/c')).toBe(false)
    expect(m('schools/+/alerts', 'schools/s1/alerts')).toBe(true)
    expect(m('schools/+/alerts', 'schools/s1/meters/m1')).toBe(false)
  })

  it('route everything once a filter is not understood or there are too many', () => {
    const f = new SubscriptionFilters()
    expect(f.mayMatch('schools/a/meters/m')).toBe(false)
    expect(f.mayMatch('$SYS/x')).toBe(true)
    f.note('$SYS/+/heartbeat')
    expect(f.mayMatch('schools/a/meters/m')).toBe(false)
    f.note('schools/+/alerts')
    expect(f.mayMatch('schools/a/alerts')).toBe(true)
    expect(f.mayMatch('schools/a/meters/m')).toBe(false)
    const shared = new SubscriptionFilters()
    shared.note('$share/group/schools/#')
    expect(shared.mayMatch('schools/a/meters/m')).toBe(true)
    const many = new SubscriptionFilters()
    for (let i = 0; i < 100; i++) many.note(`x/${i}`)
    expect(many.mayMatch('schools/a/meters/m')).toBe(true)
  })
})

describe('aedes with unrouted publishes skipped', () => {
  let aedes: Aedes | undefined
  let server: Server | undefined
  const clients: MqttClient[] = []
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true)
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
    await new Promise<void>((r) => (aedes ? aedes.close(() => r()) : r()))
  })

  async function start(): Promise<string> {
    const broker = await Aedes.createBroker()
    aedes = broker
    skipUnroutedPublishes(broker)
    server = createServer((socket) => parsePublishesFast(broker.handle(socket)))
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
    const address = server.address() as { port: number }
    return `mqtt://127.0.0.1:${address.port}`
  }
  async function client(url: string, options: Parameters<typeof connectAsync>[1] = {}): Promise<MqttClient> {
    const c = await connectAsync(url, { reconnectPeriod: 0, ...options })
    clients.push(c)
    return c
  }
  const received = (c: MqttClient) => {
    const got: string[] = []
    c.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`))
    return got
  }

  it('delivers to subscribers, later subscribers, retained and persistent sessions as before', async () => {
    const url = await start()
    const pub = await client(url)
    // Nobody subscribes yet: acknowledged, delivered to nobody.
    await pub.publishAsync('schools/a/meters/m1', '1', { qos: 1 })
    await pub.publishAsync('schools/a/meters/m1', '2', { qos: 0 })
    // A retained message is stored although nobody subscribes.
    await pub.publishAsync('schools/a/status', 'up', { qos: 1, retain: true })

    const sub = await client(url)
    const got = received(sub)
    await sub.subscribeAsync(['schools/+/alerts', 'schools/a/status'], { qos: 1 })
    await pub.publishAsync('schools/a/alerts', 'alert', { qos: 1 })
    await pub.publishAsync('schools/a/meters/m1', '3', { qos: 1 })
    await waitFor('the alert', () => (got.length >= 2 ? true : undefined))

    // A persistent session keeps what arrives while its client is away.
    const away = await client(url, { clientId: 'dashboard', clean: false })
    await away.subscribeAsync('schools/b/#', { qos: 1 })
    await away.endAsync()
    await pub.publishAsync('schools/b/meters/m2', 'queued', { qos: 1 })
    const back = await client(url, { clientId: 'dashboard', clean: false })
    const gotBack = received(back)
    await waitFor('the queued message', () => (gotBack.length >= 1 ? true : undefined))

    expect(got.sort()).toEqual(['schools/a/alerts alert', 'schools/a/status up'])
    expect(gotBack).toEqual(['schools/b/meters/m2 queued'])
  })
})
