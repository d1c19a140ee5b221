/**
 * A minimal MQTT 3.1.1 publisher on a bare socket, for the load generator: packets are encoded
 * straight into large buffers and written with the socket's own back-pressure, so that at tens of
 * thousands of messages a second the load generator spends little of the machine's two cores.
 * QoS 1 keeps a bounded window of unacknowledged publishes per connection.
 * (mqtt.js costs several times more CPU per message; the ceiling subscriber and the alert
 * subscriber use it, as a real consumer would.)
 */
import { connect, type Socket } from 'node:net'

const CHUNK = 256 * 1024

function varint(n: number, out: number[]): void {
  do {
    let b = n % 128
    n = Math.floor(n / 128)
    if (n > 0) b |= 0x80
    out.push(b)
  } while (n > 0)
}

export class WireClient {
  private socket: Socket | undefined
  private chunk = Buffer.allocUnsafe(CHUNK)
  private used = 0
  private nextId = 1
  /** Unacknowledged QoS 1 publishes. */
  inflight = 0
  acked = 0
  written = 0
  private readonly waiters: (() => void)[] = []
  private rx = Buffer.alloc(0)
  private connackResolve: (() => void) | undefined
  closed = false
  error: Error | undefined

  constructor(
    private readonly host: string,
    private readonly port: number,
    readonly clientId: string,
  ) {}

  async connect(): Promise<void> {
    const s = connect(this.port, this.host)
    s.setNoDelay(true)
    this.socket = s
    s.on('data', (d) => this.onData(d))
    s.on('error', (err) => {
      this.error ??= err
    })
    s.on('close', () => {
      this.closed = true
      this.wake()
    })
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve)
      s.once('error', reject)
    })
    const id = Buffer.from(this.clientId)
    // CONNECT: protocol "MQTT" level 4, clean session, keep-alive 0 (off).
    const variable = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 0])
    const len: number[] = []
    varint(variable.length + 2 + id.length, len)
    const head = Buffer.from([0x10, ...len])
    const idLen = Buffer.from([id.length >> 8, id.length & 0xff])
    const ack = new Promise<void>((resolve) => {
      this.connackResolve = resolve
    })
    s.write(Buffer.concat([head, variable, idLen, id]))
    await Promise.race([
      ack,
      new Promise<void>((_, reject) =>
        setTimeout(() => reject(new Error(`no CONNACK for ${this.clientId}`)), 10_000),
      ),
    ])
  }

  /** Appends a PUBLISH to the current chunk; call `flush()` (or let the chunk fill) to send. */
  publish(topic: Buffer, payload: string, qos: 0 | 1): void {
    const payloadLen = Buffer.byteLength(payload)
    const remaining = 2 + topic.length + (qos ? 2 : 0) + payloadLen
    const need = 5 + remaining
    // A full chunk goes out at once; whoever sends next waits for the socket to drain (`flush()`).
    if (this.used + need > this.chunk.length) void this.flush(Math.max(CHUNK, need))
    const b = this.chunk
    let o = this.used
    b[o++] = qos ? 0x32 : 0x30
    let n = remaining
    do {
      let x = n & 0x7f
      n >>>= 7
      if (n > 0) x |= 0x80
      b[o++] = x
    } while (n > 0)
    b[o++] = topic.length >> 8
    b[o++] = topic.length & 0xff
    topic.copy(b, o)
    o += topic.length
    if (qos) {
      const id = this.nextId
      this.nextId = id === 0xffff ? 1 : id + 1
      b[o++] = id >> 8
      b[o++] = id & 0xff
      this.inflight++
    }
    o += b.write(payload, o, 'latin1')
    this.used = o
    this.written++
  }

  /** Sends the current chunk; resolves at once, or when the socket has drained. */
  flush(nextSize = CHUNK): Promise<void> | undefined {
    if (this.used === 0 || !this.socket) return undefined
    const out = this.chunk.subarray(0, this.used)
    this.chunk = Buffer.allocUnsafe(nextSize)
    this.used = 0
    const s = this.socket
    if (s.write(out)) return undefined
    return new Promise<void>((resolve) => {
      const done = () => {
        s.off('drain', done)
        s.off('close', done)
        resolve()
      }
      s.on('drain', done)
      s.on('close', done)
    })
  }

  /** Resolves when the QoS 1 window has room for `n` more publishes (or the connection closed). */
  async room(window: number, n = 1): Promise<void> {
    while (this.inflight + n > window && !this.closed) {
      await new Promise<void>((resolve) => this.waiters.push(resolve))
    }
  }

  async end(): Promise<void> {
    await this.flush()
    const s = this.socket
    if (!s || this.closed) return
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve())
      s.end(Buffer.from([0xe0, 0]))
      setTimeout(() => {
        s.destroy()
        resolve()
      }, 5000)
    })
  }

  private wake(): void {
    const w = this.waiters.splice(0)
    for (const f of w) f()
  }

  private onData(d: Buffer): void {
    let buf = this.rx.length ? Buffer.concat([this.rx, d]) : d
    let acks = 0
    for (;;) {
      if (buf.length < 2) break
      let len = 0
      let mult = 1
      let i = 1
      let complete = false
      while (i < buf.length && i < 5) {
        const x = buf[i]!
        len += (x & 0x7f) * mult
        mult *= 128
        i++
        if ((x & 0x80) === 0) {
          complete = true
          break
        }
      }
      if (!complete || buf.length < i + len) break
      const type = buf[0]! >> 4
      if (type === 4) acks++
      else if (type === 2) this.connackResolve?.()
      buf = buf.subarray(i + len)
    }
    this.rx = buf.length ? Buffer.from(buf) : Buffer.alloc(0)
    if (acks) {
      this.inflight -= acks
      this.acked += acks
      this.wake()
    }
  }
}
