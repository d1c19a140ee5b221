/**
 * MQTT 3.1.1 packets built by hand, and raw TCP sockets that record when the broker closes them:
 * for tests that send what no MQTT library would.
 */
import { connect, type Socket } from 'node:net'

/** MQTT's variable-length "remaining length" (1–4 bytes). */
export function remainingLength(n: number): Buffer {
  const out: number[] = []
  do {
    let digit = n % 128
    n = Math.floor(n / 128)
    if (n > 0) digit |= 0x80
    out.push(digit)
  } while (n > 0)
  return Buffer.from(out)
}

const str = (s: string | Buffer): Buffer => {
  const b = typeof s === 'string' ? Buffer.from(s) : s
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b])
}

export function connectPacket(
  o: {
    clientId?: string
    keepaliveSeconds?: number
    level?: number
    protocol?: string
    username?: string
    password?: string
  } = {},
): Buffer {
  const flags =
    0x02 /* clean session */ | (o.username !== undefined ? 0x80 : 0) | (o.password !== undefined ? 0x40 : 0)
  const body = Buffer.concat([
    str(o.protocol ?? 'MQTT'),
    Buffer.from([o.level ?? 4, flags]),
    Buffer.from([(o.keepaliveSeconds ?? 60) >> 8, (o.keepaliveSeconds ?? 60) & 0xff]),
    str(o.clientId ?? `raw-${Math.random().toString(36).slice(2, 10)}`),
    ...(o.username !== undefined ? [str(o.username)] : []),
    ...(o.password !== undefined ? [str(o.password)] : []),
  ])
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body])
}

export function publishPacket(topic: string | Buffer, payload: string | Buffer): Buffer {
  const body = Buffer.concat([str(topic), typeof payload === 'string' ? Buffer.from(payload) : payload])
  return Buffer.concat([Buffer.from([0x30]), remainingLength(body.length), body])
}

export interface RawSocket {
  socket: Socket
  /** Bytes the broker sent back (e.g. a CONNACK: 20 02 00 00). */
  received(): Buffer
  /** Milliseconds from connecting until the socket closed. */
  closed: Promise<number>
  isClosed(): boolean
  /** Writes unless the socket is gone; resolves when written (or at once if it is gone). */
  send(data: Buffer): Promise<void>
}

/** A socket to the broker on 127.0.0.1, from `localAddress` (any of 127.0.0.0/8: another client address). */
export async function rawSocket(port: number, localAddress?: string): Promise<RawSocket> {
  const socket = connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) })
  const chunks: Buffer[] = []
  let closedAt: number | undefined
  socket.on('data', (d) => chunks.push(d))
  socket.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  const openedAt = Date.now()
  const closed = new Promise<number>((resolve) =>
    socket.once('close', () => {
      closedAt = Date.now()
      resolve(closedAt - openedAt)
    }),
  )
  return {
    socket,
    received: () => Buffer.concat(chunks),
    closed,
    isClosed: () => closedAt !== undefined,
    send: (data) =>
      new Promise((resolve) => {
        if (socket.destroyed || !socket.writable) return resolve()
        socket.write(data, () => resolve())
      }),
  }
}

/** The CONNACK return code in what the broker sent, or undefined before one arrived. */
export function connackCode(received: Buffer): number | undefined {
  return received.length >= 4 && received[0] === 0x20 ? received[3] : undefined
}
