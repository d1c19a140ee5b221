import type { Logger } from 'pino'
import type { Message } from '../../core/i18n/index.js'

/**
 * The seam between MQTT and the pipeline: the embedded broker and an external one look the same.
 * A handler returns a promise when the message may be acknowledged only once it settles (a QoS 1
 * reading becomes durable); the broker then holds the PUBACK until it does.
 */
export type MessageHandler = (topic: string, payload: Buffer, qos: 0 | 1 | 2) => Promise<void> | undefined

/**
 * Back-pressure: undefined while ingest takes messages, else a promise that resolves when it
 * takes them again. While it is pending the broker stops reading from publishers.
 */
export type Admission = () => Promise<void> | undefined

export interface Broker {
  readonly mode: 'embedded' | 'external'
  /** Where it listens or connects, as URLs, for logs and /health (no credentials). */
  readonly address: string
  start(): Promise<void>
  stop(): Promise<void>
  publish(topic: string, payload: string | Buffer): void
  health(): { ok: boolean; detail: Message }
}

/**
 * Hands one message to the handler and calls `ack` when it may be acknowledged: at once, or once
 * the handler's promise settles (with its error: the broker then does not acknowledge). While
 * `admission` holds ingest back, the message waits, and with it the broker's next read.
 *
 * Runs once per message: no closure unless the message has to wait (tsx wraps every named
 * closure in a naming call, which showed at 3–4 % of the service's CPU under single readings).
 */
export function takeMessage(
  onMessage: MessageHandler,
  admission: Admission | undefined,
  log: Logger,
  packet: { topic: string; payload: Buffer | string; qos: 0 | 1 | 2 },
  ack: (err?: Error) => void,
): void {
  const held = admission?.()
  if (held) held.then(() => take(onMessage, log, packet, ack))
  else take(onMessage, log, packet, ack)
}

function take(
  onMessage: MessageHandler,
  log: Logger,
  packet: { topic: string; payload: Buffer | string; qos: 0 | 1 | 2 },
  ack: (err?: Error) => void,
): void {
  let durable: Promise<void> | undefined
  try {
    durable = onMessage(packet.topic, packet.payload as Buffer, packet.qos)
  } catch (err) {
    log.error({ err, topic: packet.topic }, 'ingest failed on a message')
  }
  if (!durable) {
    ack()
    return
  }
  durable.then(
    () => ack(),
    (err: Error) => {
      log.error({ err, topic: packet.topic }, 'cannot make a message durable; not acknowledging it')
      ack(err)
    },
  )
}
