/**
 * Publishes simulated messages to any MQTT broker, as a gateway would: QoS 0 or 1, with flow
 * control so that a backfill goes as fast as the broker and service accept and no faster.
 */
import { connectAsync, type MqttClient } from 'mqtt'
import type { SimMessage } from './encode.js'

export interface PublisherOptions {
  url: string
  qos?: 0 | 1
  clientId?: string
  username?: string
  password?: string
  /** QoS 1: most publishes awaiting their PUBACK. */
  window?: number
}

export class Publisher {
  private client: MqttClient | undefined
  private inflight = new Set<Promise<void>>()
  published = 0

  constructor(private readonly o: PublisherOptions) {}

  async connect(): Promise<void> {
    this.client = await connectAsync(this.o.url, {
      clientId: this.o.clientId ?? `schoolmeter-sim-${process.pid}-${Math.floor(Math.random() * 1e6)}`,
      reconnectPeriod: 1000,
      ...(this.o.username !== undefined ? { username: this.o.username } : {}),
      ...(this.o.password !== undefined ? { password: this.o.password } : {}),
    })
  }

  /** Resolves once every message is handed to the socket (QoS 0) or acknowledged (QoS 1). */
  async publish(messages: SimMessage[]): Promise<void> {
    const client = this.client
    if (!client) throw new Error('publisher is not connected')
    const qos = this.o.qos ?? 0
    const window = this.o.window ?? 500
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!
      const p = new Promise<void>((resolve, reject) => {
        client.publish(m.topic, m.payload, { qos }, (err) => (err ? reject(err) : resolve()))
      })
      this.published++
      if (qos === 0) {
        // Let the socket drain every thousand messages instead of queueing everything.
        if (i % 1000 === 999 || i === messages.length - 1) await p
        continue
      }
      this.inflight.add(p)
      void p.finally(() => this.inflight.delete(p))
      if (this.inflight.size >= window) await Promise.race(this.inflight)
    }
    await Promise.all(this.inflight)
  }

  async end(): Promise<void> {
    await Promise.all(this.inflight)
    await this.client?.endAsync()
    this.client = undefined
  }
}
