/**
 * A fast path for PUBLISH packets in front of aedes' MQTT parser (mqtt-packet). mqtt-packet
 * parses every packet through a four-state machine over a `bl` BufferList — a Buffer view per
 * `consume`, a copy per `slice`, about a dozen `debug()` calls per packet even with debugging
 * off — which was 8–10 % of the service's CPU under single readings.
 *
 * While mqtt-packet holds nothing (no partial packet, no error), the MQTT 3.1/3.1.1 PUBLISH
 * packets of a read are decoded here into the same packet objects mqtt-packet builds (its own
 * `Packet` class; the payload a view of the read, as mqtt-packet's is) and emitted on the
 * parser in order; a PUBLISH cut by the end of a read waits here for the next one (reads rarely
 * end on a packet boundary under load). From the first packet that is anything else — another
 * packet type, MQTT 5, anything malformed — the rest of the read goes to mqtt-packet, which then
 * sees exactly the bytes it would have seen; while it holds a partial packet, every read goes
 * to it.
 */
import type { Client } from 'aedes'

const PUBLISH = 3

interface MqttParser {
  parse(buf: Buffer): number
  emit(event: 'packet', packet: object): boolean
  settings: { protocolVersion?: number }
  packet: object
  error: Error | null
  _stateCounter: number
  _list: { length: number; append(buf: Buffer): unknown }
}

interface PublishPacket {
  cmd: string
  retain: boolean
  qos: number
  dup: boolean
  length: number
  topic: string | null
  payload: Buffer | null
  messageId?: number
}

export function parsePublishesFast(client: Client): void {
  const parser = (client as unknown as { _parser?: MqttParser })._parser
  if (!parser || typeof parser.parse !== 'function') return
  const Packet = parser.packet.constructor as new () => PublishPacket
  const slow = parser.parse.bind(parser)
  // aedes may read the socket again while a packet is being handled (its callback can run at
  // once); such reads wait here and are taken in order once the current one is done.
  let busy = false
  let pending: Buffer[] = []
  /** What is left of the read being decoded here, should a listener throw. */
  let rest: Buffer | undefined

  // A PUBLISH cut by the end of a read: its pieces, their bytes, and its whole size once its
  // fixed header is complete. The pieces are joined once, when the packet is complete.
  let carry: Buffer[] = []
  let carried = 0
  let carryNeed = 0

  /**
   * Decodes the publishes of a read here and hands the read, from the first packet that is not
   * a well-formed PUBLISH on, to mqtt-packet; keeps a PUBLISH cut short for the next read.
   */
  const take = (chunk: Buffer): void => {
    if (parser._stateCounter !== 0 || parser._list.length !== 0 || parser.error) {
      slow(chunk)
      return
    }
    let buf = chunk
    if (carried > 0) {
      carry.push(chunk)
      carried += chunk.length
      if (carryNeed > 0 && carried < carryNeed) return
      buf = Buffer.concat(carry, carried)
      carry = []
      carried = 0
      carryNeed = 0
    }
    const n = buf.length
    let o = 0
    while (o < n) {
      const b0 = buf[o]!
      const qos = (b0 >> 1) & 3
      if (b0 >> 4 !== PUBLISH || qos === 3 || parser.settings.protocolVersion === 5) break
      // Remaining length: at most four bytes.
      let length = 0
      let mul = 1
      let i = o + 1
      let complete = false
      let k = 0
      for (; k < 4 && i < n; k++) {
        const c = buf[i++]!
        length += (c & 0x7f) * mul
        mul *= 0x80
        if (c < 0x80) {
          complete = true
          break
        }
      }
      if (!complete) {
        // Four bytes without an end are malformed: mqtt-packet reports it.
        if (k < 4) {
          carry = [buf.subarray(o)]
          carried = n - o
        }
        break
      }
      const start = i
      const end = start + length
      if (end > n) {
        carry = [buf.subarray(o)]
        carried = n - o
        carryNeed = end - o
        break
      }
      if (start + 2 > end) break
      const topicEnd = start + 2 + ((buf[start]! << 8) | buf[start + 1]!)
      const payloadStart = qos > 0 ? topicEnd + 2 : topicEnd
      if (payloadStart > end) break
      const packet = new Packet()
      packet.cmd = 'publish'
      packet.retain = (b0 & 1) !== 0
      packet.qos = qos
      packet.dup = (b0 & 8) !== 0
      packet.length = length
      packet.topic = buf.toString('utf8', start + 2, topicEnd)
      if (qos > 0) packet.messageId = (buf[topicEnd]! << 8) | buf[topicEnd + 1]!
      packet.payload = buf.subarray(payloadStart, end)
      o = end
      rest = o < n ? buf.subarray(o) : undefined
      parser.emit('packet', packet)
    }
    rest = undefined
    if (carried > 0 || o >= n) return
    slow(o === 0 ? buf : buf.subarray(o))
  }

  parser.parse = (buf: Buffer): number => {
    if (busy) {
      pending.push(buf)
      return parser._list.length
    }
    busy = true
    try {
      take(buf)
      while (pending.length > 0) take(pending.shift()!)
    } catch (err) {
      // mqtt-packet keeps what it has not parsed when a listener throws; so do we.
      if (rest) parser._list.append(rest)
      for (const b of pending) parser._list.append(b)
      throw err
    } finally {
      pending = []
      rest = undefined
      busy = false
    }
    return parser._list.length
  }
}
