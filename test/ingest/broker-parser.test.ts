import type { Client } from 'aedes'
import mqtt from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { parsePublishesFast } from '../../ingest/broker/parser.js'

/** A deterministic stream of packets of every kind the fast path must take or hand on. */
function packets(seed: number): Buffer[] {
  let s = seed
  const rnd = (n: number) => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s % n
  }
  const out: Buffer[] = []
  for (let i = 0; i < 400; i++) {
    const kind = rnd(10)
    if (kind < 6) {
      const qos = rnd(3) as 0 | 1 | 2
      out.push(
        mqtt.generate({
          cmd: 'publish',
          topic: `schools/s${rnd(3)}/meters/m-${rnd(1000)}${rnd(5) === 0 ? '/é' : ''}`,
          payload: Buffer.from(
            rnd(8) === 0
              ? ''
              : JSON.stringify({ ts: i, volume_m3: rnd(1e6) / 1000 }).repeat(1 + rnd(3) * 100),
          ),
          qos,
          retain: rnd(4) === 0,
          dup: rnd(4) === 0,
          ...(qos > 0 ? { messageId: 1 + rnd(65535) } : {}),
        }),
      )
    } else if (kind === 6) out.push(mqtt.generate({ cmd: 'pingreq' }))
    else if (kind === 7) out.push(mqtt.generate({ cmd: 'puback', messageId: 1 + rnd(65535) }))
    else if (kind === 8)
      out.push(
        mqtt.generate({
          cmd: 'subscribe',
          messageId: 1 + rnd(65535),
          subscriptions: [{ topic: `schools/s${rnd(3)}/alerts`, qos: 1 }],
        }),
      )
    else out.push(mqtt.generate({ cmd: 'unsubscribe', messageId: 1 + rnd(65535), unsubscriptions: ['a/b'] }))
  }
  return out
}

/** Cuts a stream into reads of random sizes, some of them one byte. */
function reads(stream: Buffer, seed: number): Buffer[] {
  let s = seed
  const out: Buffer[] = []
  for (let o = 0; o < stream.length; ) {
    s = (s * 1103515245 + 12345) % 2 ** 31
    const n = s % 7 === 0 ? 1 : 1 + (s % 4000)
    out.push(stream.subarray(o, o + n))
    o += n
  }
  return out
}

function parseAll(chunks: Buffer[], fast: boolean, nested = false): { packets: object[]; errors: string[] } {
  const parser = mqtt.parser()
  const got: object[] = []
  const errors: string[] = []
  if (fast) parsePublishesFast({ _parser: parser } as unknown as Client)
  const queue = [...chunks]
  parser.on('packet', (p) => {
    got.push({ ...p, payload: p.cmd === 'publish' ? Buffer.from(p.payload as Buffer) : undefined })
    // As aedes does when a packet is handled at once: read the next chunk from inside the handler.
    if (nested && queue.length > 0 && got.length % 3 === 0) parser.parse(queue.shift()!)
  })
  parser.on('error', (e) => errors.push(e.message))
  while (queue.length > 0) parser.parse(queue.shift()!)
  return { packets: got, errors }
}

describe('the PUBLISH fast path in front of mqtt-packet', () => {
  it('yields the same packets, in the same order, however the stream is cut', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const stream = Buffer.concat(packets(seed))
      const chunks = reads(stream, seed * 7)
      const slow = parseAll(chunks, false)
      expect(slow.errors).toEqual([])
      expect(slow.packets.length).toBe(400)
      expect(parseAll(chunks, true)).toEqual(slow)
      // A read taken while a packet is handled (aedes reads on when a packet is done at once)
      // comes after the rest of the current one. mqtt-packet itself loses its place when such
      // a read ends in a partial packet, so only the fast path is checked this way.
      expect(parseAll(chunks, true, true)).toEqual(slow)
    }
  })

  it('decodes a stream of publishes itself, whole or cut anywhere', () => {
    const stream = Buffer.concat(packets(9).filter((p) => p[0]! >> 4 === 3))
    const parser = mqtt.parser()
    let slowBytes = 0
    const parse = parser.parse.bind(parser)
    parser.parse = (b: Buffer) => {
      slowBytes += b.length
      return parse(b)
    }
    const got: object[] = []
    parser.on('packet', (p) => got.push({ ...p, payload: Buffer.from((p as { payload: Buffer }).payload) }))
    parsePublishesFast({ _parser: parser } as unknown as Client)
    for (const chunk of reads(stream, 3)) parser.parse(chunk)
    expect(slowBytes).toBe(0)
    expect(got).toEqual(parseAll([stream], false).packets)
  })

  it('joins a large publish cut into many reads once', () => {
    const big = mqtt.generate({
      cmd: 'publish',
      topic: 'schools/a/gateways/g',
      payload: Buffer.alloc(2 * 1024 * 1024, 0x41),
      qos: 1,
      messageId: 7,
      retain: false,
      dup: false,
    })
    const stream = Buffer.concat([big, ...packets(4).slice(0, 20), big])
    const chunks: Buffer[] = []
    for (let o = 0; o < stream.length; o += 1000) chunks.push(stream.subarray(o, o + 1000))
    const fast = parseAll(chunks, true)
    // Payloads compared as text: a deep comparison of 2 MB buffers byte by byte takes minutes.
    const text = (r: { packets: object[] }) =>
      r.packets.map((p) => {
        const { payload, ...rest } = p as { payload?: Buffer }
        return { ...rest, payload: payload?.toString('latin1') }
      })
    expect(text(fast)).toEqual(text(parseAll(chunks, false)))
  })

  it('hands malformed packets to mqtt-packet, which reports them as before', () => {
    const good = mqtt.generate({
      cmd: 'publish',
      topic: 'a/b',
      payload: Buffer.from('x'),
      qos: 0,
      retain: false,
      dup: false,
    })
    // QoS 3, a topic longer than the packet, and a remaining length of five bytes.
    const bad = [
      Buffer.from([0x36, 0x03, 0x00, 0x01, 0x61]),
      Buffer.from([0x30, 0x03, 0x00, 0x09, 0x61]),
      Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]),
    ]
    for (const b of bad) {
      const chunks = [Buffer.concat([good, b, good])]
      expect(parseAll(chunks, true)).toEqual(parseAll(chunks, false))
      expect(parseAll(chunks, false).errors.length).toBeGreaterThan(0)
    }
  })
})
