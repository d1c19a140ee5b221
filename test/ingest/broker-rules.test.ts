/** The pure parts of the broker's security (ingest/broker/security.ts): ACL, loopback, limits. */
import { PassThrough } from 'node:stream'
import type { Client } from 'aedes'
import { describe, expect, it, vi } from 'vitest'
import {
  addressKey,
  ConnectRate,
  clientIdsOverlap,
  FairGate,
  isLoopback,
  isServiceTopic,
  LoginThrottle,
  MessageRate,
  mayPublish,
  maySubscribe,
  ownsClientId,
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

  it('keeps everyone off the service topics and everything below them, whatever the login', () => {
    const service = [
      'schools/a/alerts',
      'schools/a/alerts/x',
      'schools/a/alerts/',
      'schools/a/rejected',
      'schools/a/rejected/x/y',
      'schools/b/alerts',
      'schools//alerts',
    ]
    for (const topic of service) {
      expect(isServiceTopic(topic), topic).toBe(true)
      for (const p of [gateway(true), { kind: 'anonymous' } as const, { kind: 'internal' } as const])
        expect(mayPublish(p, topic), `${p.kind} on ${topic}`).toBe(false)
    }
    for (const topic of ['schools/a/alertsx', 'schools/a/meters/alerts', 'alerts', 'schools/a/rejectedx'])
      expect(isServiceTopic(topic), topic).toBe(false)
  })

  it('gives a gateway its username, <username>/… and its prefix as client ids, and no one else’s', () => {
    const gw = { username: 'gw-a' }
    expect(ownsClientId(gw, 'gw-a')).toBe(true)
    expect(ownsClientId(gw, 'gw-a/sub')).toBe(true)
    expect(ownsClientId(gw, 'gw-a-2')).toBe(false)
    expect(ownsClientId(gw, 'gw-')).toBe(false)
    expect(ownsClientId(gw, 'mqttjs_1234')).toBe(false)
    expect(ownsClientId({ username: 'gw-a', clientIdPrefix: 'SP-GW-' }, 'SP-GW-01')).toBe(true)
    // Prefixes may not reach into another login's ids.
    expect(clientIdsOverlap({ username: 'gw-a' }, { username: 'gw-a-2' })).toBe(false)
    expect(clientIdsOverlap({ username: 'gw-a', clientIdPrefix: 'gw-' }, { username: 'gw-b' })).toBe(true)
    expect(clientIdsOverlap({ username: 'x', clientIdPrefix: 'gw-b/' }, { username: 'gw-b' })).toBe(true)
    expect(
      clientIdsOverlap({ username: 'x', clientIdPrefix: 'SP-' }, { username: 'y', clientIdPrefix: 'SP-GW' }),
    ).toBe(true)
    expect(
      clientIdsOverlap({ username: 'x', clientIdPrefix: 'SP-' }, { username: 'y', clientIdPrefix: 'HS-' }),
    ).toBe(false)
  })

  it('keys client addresses by IPv4 address or IPv6 /64', () => {
    expect(addressKey('10.1.2.3')).toBe('10.1.2.3')
    expect(addressKey('::ffff:10.1.2.3')).toBe('10.1.2.3')
    expect(addressKey('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64')
    expect(addressKey('2001:db8:0:1:ffff::9%eth0')).toBe('2001:db8:0:1::/64')
    expect(addressKey('::1')).toBe('0:0:0:0::/64')
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

  it('holds publishes over the rate to the next second, in order, and loses none', () => {
    // The clock is the test's: 400 ms into a second, 25 publishes at once against 10 a second.
    vi.useFakeTimers({
      toFake: ['Date', 'setTimeout', 'clearTimeout'],
      now: Date.UTC(2026, 10, 2, 8, 0, 0, 400),
    })
    try {
      let held = 0
      const rate = new MessageRate(10, () => held++)
      const client = { closed: false } as Client
      const ran: number[] = []
      for (let i = 0; i < 25; i++) rate.run(client, () => ran.push(i))
      const upTo = (n: number) => Array.from({ length: n }, (_, i) => i)
      expect(ran).toEqual(upTo(10))
      expect(held).toBe(15)
      // Nothing more within the same second; the next ten just past its turn, then the last five.
      vi.advanceTimersByTime(600)
      expect(ran).toEqual(upTo(10))
      vi.advanceTimersByTime(1)
      expect(ran).toEqual(upTo(20))
      vi.advanceTimersByTime(999)
      expect(ran).toEqual(upTo(20))
      vi.advanceTimersByTime(1)
      expect(ran).toEqual(upTo(25))
      rate.stop()
    } finally {
      vi.useRealTimers()
    }
  })

  it('lets at most N tasks run at once, queues some, refuses beyond', async () => {
    const gate = new FairGate(2, 3, 1)
    let running = 0
    let most = 0
    const task = async () => {
      most = Math.max(most, ++running)
      await new Promise((r) => setImmediate(r))
      running--
      return 'ok'
    }
    const runs = [gate.run('a', task), gate.run('a', task), gate.run('a', task)]
    expect(gate.run('b', task)).toBeUndefined()
    expect(await Promise.all(runs)).toEqual(['ok', 'ok', 'ok'])
    expect(most).toBe(2)
    expect(await gate.run('a', task)).toBe('ok')
  })

  it('takes waiting tasks in turn by key, at most so many per key', async () => {
    const gate = new FairGate(1, 2, 100)
    const order: string[] = []
    const release: (() => void)[] = []
    const task = (name: string) => () =>
      new Promise<void>((resolve) => {
        order.push(name)
        release.push(resolve)
      })
    const flood = Array.from({ length: 10 }, (_, i) => gate.run('flood', task(`flood${i}`)))
    // Only two of the flood's are taken; the rest are refused at once.
    expect(flood.filter((r) => r === undefined)).toHaveLength(8)
    const other = gate.run('other', task('other'))
    expect(other).toBeDefined()
    while (order.length < 3) {
      await new Promise((r) => setImmediate(r))
      release.shift()?.()
    }
    // The other key's task runs right after the one running when it came, not behind the flood.
    expect(order).toEqual(['flood0', 'other', 'flood1'])
    release.shift()?.()
    await Promise.all([...flood, other])
  })

  it('backs off an address after its free failures, doubling, and forgets it after a good login', () => {
    const t = new LoginThrottle({ free: 3, baseMs: 1000, maxMs: 4000 })
    for (let i = 0; i < 3; i++) expect(t.failed('a', 0)).toBe(0)
    expect(t.waitMs('a', 0)).toBe(0)
    expect(t.failed('a', 0)).toBe(1000)
    expect(t.waitMs('a', 500)).toBe(500)
    expect(t.waitMs('b', 500)).toBe(0)
    expect(t.failed('a', 1000)).toBe(2000)
    expect(t.failed('a', 3000)).toBe(4000)
    expect(t.failed('a', 7000)).toBe(4000)
    expect(t.waitMs('a', 10_999)).toBe(1)
    expect(t.waitMs('a', 11_000)).toBe(0)
    t.succeeded('a')
    expect(t.failed('a', 11_000)).toBe(0)
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
