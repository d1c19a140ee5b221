/** The pure parts of the broker's security (ingest/broker/security.ts): ACL, loopback, limits. */
import { PassThrough } from 'node:stream'
import type { Client } from 'aedes'
import { describe, expect, it } from 'vitest'
import {
  ConnectRate,
  Gate,
  isLoopback,
  MessageRate,
  mayPublish,
  maySubscribe,
  type Principal,
  watchPacketSize,
} from '../../ingest/broker/security.js'

const gateway = (alerts = false): Principal => ({
  kind: 'gateway',
  username: 'gw',
  school: 'a',
  maySubscribeAlerts: alerts,
  hash: 'h',
})

/** A QoS 0 PUBLISH to topic `t` with `n` payload bytes, encoded by hand. */
function publishPacket(n: number): Buffer {
  const body = Buffer.concat([Buffer.from([0, 1]), Buffer.from('t'), Buffer.alloc(n)])
  const length: number[] = []
  let rest = body.length
  do {
    length.push((rest % 128) | (rest >= 128 ? 0x80 : 0))
    rest = Math.floor(rest / 128)
  } while (rest > 0)
  return Buffer.concat([Buffer.from([0x30, ...length]), body])
}

describe('topic ACL', () => {
  it('lets a gateway publish under its school only, never to the service output topics', () => {
    const p = gateway()
    expect(mayPublish(p, 'schools/a/meters/W1')).toBe(true)
    expect(mayPublish(p, 'schools/a/gateways/gw')).toBe(true)
    expect(mayPublish(p, 'schools/a/misspelt/W1')).toBe(true) // gets its bad_topic rejection
    expect(mayPublish(p, 'schools/a/alerts')).toBe(false)
    expect(mayPublish(p, 'schools/a/rejected')).toBe(false)
    expect(mayPublish(p, 'schools/ab/meters/W1')).toBe(false)
    expect(mayPublish(p, 'schools/b/meters/W1')).toBe(false)
    expect(mayPublish(p, 'schools/a')).toBe(false)
    expect(mayPublish(p, '$SYS/x')).toBe(false)
    expect(mayPublish(undefined, 'schools/a/meters/W1')).toBe(false)
    expect(mayPublish({ kind: 'anonymous' }, 'anything/at/all')).toBe(true)
    expect(mayPublish({ kind: 'internal' }, 'schools/b/meters/W1')).toBe(true)
  })

  it('lets a gateway subscribe to its rejections, and its alerts when allowed; exact topics only', () => {
    expect(maySubscribe(gateway(), 'schools/a/rejected')).toBe(true)
    expect(maySubscribe(gateway(), 'schools/a/alerts')).toBe(false)
    expect(maySubscribe(gateway(true), 'schools/a/alerts')).toBe(true)
    for (const topic of [
      'schools/b/rejected',
      'schools/+/rejected',
      'schools/a/#',
      '#',
      'schools/a/meters/W1',
    ])
      expect(maySubscribe(gateway(true), topic), topic).toBe(false)
    expect(maySubscribe({ kind: 'anonymous' }, '#')).toBe(true)
  })

  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopback(h), h).toBe(true)
    for (const h of ['0.0.0.0', '::', '192.168.1.10', 'school-server', '10.0.0.1'])
      expect(isLoopback(h), h).toBe(false)
  })
})

describe('limits', () => {
  it('counts admitted CONNECTs per client id over a sliding minute', () => {
    const rate = new ConnectRate(2)
    expect(rate.admit('a', 0)).toBe(true)
    expect(rate.admit('a', 1000)).toBe(true)
    expect(rate.admit('b', 1000)).toBe(true)
    expect(rate.admit('a', 2000)).toBe(false)
    // Refusals do not count: once the first CONNECT is a minute old, one more is let in.
    expect(rate.admit('a', 60_001)).toBe(true)
    expect(rate.admit('a', 60_002)).toBe(false)
    expect(new ConnectRate(0).admit('a')).toBe(true)
  })

  it('holds publishes over the rate to the next second, in order, and loses none', async () => {
    let held = 0
    const rate = new MessageRate(10, () => held++)
    const client = { closed: false } as Client
    const ran: number[] = []
    const began = Date.now()
    for (let i = 0; i < 25; i++) rate.run(client, () => ran.push(i))
    expect(ran.length).toBeLessThanOrEqual(10)
    await new Promise((r) => setTimeout(r, 2100))
    expect(ran).toEqual(Array.from({ length: 25 }, (_, i) => i))
    expect(held).toBeGreaterThanOrEqual(15)
    expect(Date.now() - began).toBeGreaterThanOrEqual(1000)
    rate.stop()
  })

  it('lets at most N tasks run at once, queues some, refuses beyond', async () => {
    const gate = new Gate(2, 1)
    let running = 0
    let most = 0
    const task = async () => {
      most = Math.max(most, ++running)
      await new Promise((r) => setTimeout(r, 20))
      running--
      return 'ok'
    }
    const runs = [gate.run(task), gate.run(task), gate.run(task)]
    expect(gate.run(task)).toBeUndefined()
    expect(await Promise.all(runs)).toEqual(['ok', 'ok', 'ok'])
    expect(most).toBe(2)
    expect(await gate.run(task)).toBe('ok')
  })

  it('follows MQTT framing across reads and stops at the first packet over the limit', () => {
    const small = publishPacket(100)
    const big = publishPacket(300)
    const stream = new PassThrough()
    const seen: number[] = []
    watchPacketSize(stream, 200, (bytes) => seen.push(bytes))
    // The small packets, cut at every awkward place, pass.
    const two = Buffer.concat([small, small])
    for (const cut of [1, 2, 3, 50, small.length, small.length + 1]) {
      stream.write(two.subarray(0, cut))
      stream.write(two.subarray(cut))
    }
    expect(seen).toEqual([])
    expect(stream.destroyed).toBe(false)
    // The big one is caught from its header, its first two bytes, before any of its body.
    stream.write(big.subarray(0, 2))
    stream.write(big.subarray(2, 3))
    expect(seen).toEqual([big.length])
    expect(stream.destroyed).toBe(true)
  })
})
