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
  /** Where it listens or connects, for logs and /health (no credentials). */
  readonly description: string
  start(): Promise<void>
  stop(): Promise<void>
  publish(topic: string, payload: string | Buffer): void
  health(): { ok: boolean; detail: string }
}
