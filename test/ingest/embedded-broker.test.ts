/**
 * The embedded broker (ingest/broker/embedded.ts) with real MQTT clients: every reading reaches
 * ingest once, in order, however the bytes are cut on the wire; a QoS 1 reading is acknowledged
 * only once ingest says it is durable; and it is still a broker like any other for subscribers,
 * retained messages, persistent sessions and the service's own messages.
 */
import { connect, connectAsync, type IClientOptions, type MqttClient } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { EmbeddedBroker, type MessageHandler } from '../../ingest/index.js'
import { testLog } from '../helpers/log.js'
import { connectPacket, publishPacket, rawSocket } from '../helpers/rawMqtt.js'

interface Taken {
  topic: string
  payload: string
  qos: number
}

/** A promise and the function that resolves it. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

/** What ingest was handed, and a promise for the moment it holds `n` messages. */
function recorder(durable?: (t: Taken) => Promise<void> | undefined): {
  taken: Taken[]
  onMessage: MessageHandler
  count(n: number): Promise<Taken[]>
} {
  const taken: Taken[] = []
  const waiting: { n: number; resolve: (t: Taken[]) => void }[] = []
  const onMessage: MessageHandler = (topic, payload, qos) => {
    const t = { topic, payload: payload.toString(), qos }
    taken.push(t)
    for (const w of waiting.splice(0)) {
      if (taken.length >= w.n) w.resolve(taken)
      else waiting.push(w)
    }
    return durable?.(t)
  }
  const count = (n: number) =>
    taken.length >= n
      ? Promise.resolve(taken)
      : new Promise<Taken[]>((resolve) => waiting.push({ n, resolve }))
  return { taken, onMessage, count }
}

/** The next `n` messages a client receives, as `topic payload`. */
function messages(client: MqttClient, n: number): Promise<string[]> {
  const got: string[] = []
  return new Promise((resolve) => {
    const on = (topic: string, payload: Buffer) => {
      got.push(`${topic} ${payload.toString()}`)
      if (got.length < n) return
      client.off('message', on)
      resolve(got)
    }
    client.on('message', on)
  })
}

describe('the embedded broker', () => {
  let broker: EmbeddedBroker | undefined
  const clients: MqttClient[] = []
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true)
    await broker?.stop()
    broker = undefined
  })

  async function start(onMessage: MessageHandler): Promise<EmbeddedBroker> {
    broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0, onMessage, log: testLog })
    await broker.start()
    return broker
  }
  const url = () => `mqtt://127.0.0.1:${broker!.port}`
  async function client(o: IClientOptions = {}): Promise<MqttClient> {
    const c = await connectAsync(url(), { reconnectPeriod: 0, ...o })
    clients.push(c)
    return c
  }

  it('hands ingest every reading once, in order, with its topic, payload and QoS', async () => {
    const r = recorder()
    await start(r.onMessage)
    const pub = await client()
    const sent: Taken[] = []
    for (let i = 0; i < 300; i++) {
      const t = {
        topic: `schools/a/meters/m-${i % 7}`,
        payload: JSON.stringify({ ts: i, volume_m3: i / 10 }),
        qos: i % 2,
      }
      sent.push(t)
      pub.publish(t.topic, t.payload, { qos: t.qos as 0 | 1 })
    }
    expect(await r.count(300)).toEqual(sent)
  })

  it('takes readings whatever the TCP reads cut them into, a byte at a time or many in one', async () => {
    const r = recorder()
    await start(r.onMessage)
    const socket = await rawSocket(broker!.port)
    socket.socket.setNoDelay(true)
    // A client sends nothing but its CONNECT until the broker answers it (aedes queues little before).
    const connack = new Promise((resolve) => socket.socket.once('data', resolve))
    const connect = connectPacket()
    await socket.send(connect.subarray(0, 3))
    await socket.send(connect.subarray(3))
    await connack
    const payload = (i: number) => JSON.stringify({ ts: i, volume_m3: i }).repeat(1 + (i % 3) * 60)
    const stream = Buffer.concat(
      Array.from({ length: 200 }, (_, i) => publishPacket(`schools/a/meters/é-${i}`, payload(i))),
    )
    // Pieces of 1 to 996 bytes, each written on its own: packets split anywhere, or many in one.
    let size = 1
    for (let o = 0; o < stream.length; o += size, size = (size * 31 + 7) % 997 || 1)
      await socket.send(stream.subarray(o, o + size))
    const taken = await r.count(200)
    expect(taken.map((t) => t.topic)).toEqual(
      Array.from({ length: 200 }, (_, i) => `schools/a/meters/é-${i}`),
    )
    expect(taken.every((t, i) => t.payload === payload(i) && t.qos === 0)).toBe(true)
    socket.socket.destroy()
  })

  it('acknowledges a QoS 1 reading only once ingest has made it durable', async () => {
    const durable = deferred()
    const events: string[] = []
    const r = recorder((t) => {
      events.push(`taken ${t.payload}`)
      return t.payload === 'held' ? durable.promise.then(() => void events.push('durable')) : undefined
    })
    await start(r.onMessage)
    const pub = await client()
    const acked = pub.publishAsync('schools/a/meters/m1', 'held', { qos: 1 }).then(() => events.push('acked'))
    await r.count(1)
    // Another client's round trip through the broker while the first waits: no PUBACK meanwhile.
    const other = await client()
    await other.publishAsync('schools/a/meters/m2', 'other', { qos: 1 })
    expect(events).toEqual(['taken held', 'taken other'])
    durable.resolve()
    await acked
    expect(events).toEqual(['taken held', 'taken other', 'durable', 'acked'])
  })

  it('still delivers to subscribers, later subscribers of retained messages and persistent sessions', async () => {
    const r = recorder()
    await start(r.onMessage)
    const pub = await client()
    // Nobody subscribes yet: taken by ingest, delivered to nobody; a retained message is kept.
    await pub.publishAsync('schools/a/meters/m1', '1', { qos: 1 })
    await pub.publishAsync('schools/a/status', 'up', { qos: 1, retain: true })

    const sub = await client()
    const got = messages(sub, 3)
    await sub.subscribeAsync(['schools/+/alerts', 'schools/a/status', 'schools/a/meters/#'], { qos: 1 })
    await pub.publishAsync('schools/a/meters/m1', '2', { qos: 0 })
    // The service's own messages (alerts, rejections) reach subscribers as well.
    broker!.publish('schools/a/alerts', '{"alert":1}')
    expect((await got).sort()).toEqual([
      'schools/a/alerts {"alert":1}',
      'schools/a/meters/m1 2',
      'schools/a/status up',
    ])

    // A persistent session keeps what arrives while its client is away.
    const away = await client({ clientId: 'dashboard', clean: false })
    await away.subscribeAsync('schools/b/#', { qos: 1 })
    await away.endAsync()
    await pub.publishAsync('schools/b/meters/m2', 'queued', { qos: 1 })
    // Listening before the session is back: its queue arrives right after the CONNACK.
    const back = connect(url(), { reconnectPeriod: 0, clientId: 'dashboard', clean: false })
    clients.push(back)
    const gotBack = messages(back, 1)
    expect(await gotBack).toEqual(['schools/b/meters/m2 queued'])

    expect(r.taken.map((t) => `${t.topic} ${t.payload}`)).toEqual([
      'schools/a/meters/m1 1',
      'schools/a/status up',
      'schools/a/meters/m1 2',
      'schools/b/meters/m2 queued',
    ])
  })

  it('refuses an MQTT 5 client at CONNECT (aedes speaks MQTT 3.1 and 3.1.1)', async () => {
    await start(recorder().onMessage)
    await expect(client({ protocolVersion: 5 })).rejects.toThrow(/unacceptable protocol version/i)
    expect((await client({ protocolId: 'MQIsdp', protocolVersion: 3 })).connected).toBe(true)
  })
})
