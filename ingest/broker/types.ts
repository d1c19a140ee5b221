/** The seam between MQTT and the pipeline: the embedded broker and an external one look the same. */
export type MessageHandler = (topic: string, payload: Buffer) => void

export interface Broker {
  readonly mode: 'embedded' | 'external'
  /** Where it listens or connects, for logs and /health (no credentials). */
  readonly description: string
  start(): Promise<void>
  stop(): Promise<void>
  publish(topic: string, payload: string | Buffer): void
  health(): { ok: boolean; detail: string }
}
