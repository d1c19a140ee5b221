/**
 * The embedded broker: aedes on a TCP port, with ingest hooked in-process. Readings are taken
 * in `authorizePublish`, which aedes runs before it acknowledges a QoS 1 publish, so a reading
 * is processed before its PUBACK and no second network hop is involved. Meters and dashboards
 * can still subscribe to every topic as on any broker.
 */

import type { AddressInfo } from 'node:net'
import { createServer, type Server } from 'node:net'
import { Aedes } from 'aedes'
import type { Logger } from 'pino'
import type { Broker, MessageHandler } from './types.js'

export interface EmbeddedBrokerOptions {
  host: string
  port: number
  onMessage: MessageHandler
  log: Logger
}

export class EmbeddedBroker implements Broker {
  readonly mode = 'embedded'
  private aedes: Aedes | undefined
  private server: Server | undefined
  private listening = false
  port: number

  constructor(private readonly o: EmbeddedBrokerOptions) {
    this.port = o.port
  }

  get description(): string {
    return `embedded aedes on mqtt://${this.o.host}:${this.port}`
  }

  async start(): Promise<void> {
    const { onMessage, log } = this.o
    this.aedes = await Aedes.createBroker({
      authorizePublish: (client, packet, callback) => {
        // Never fail the callback for bad data: that would disconnect the gateway. Bad readings
        // are rejected on the `rejected` topic instead.
        if (client) {
          try {
            onMessage(packet.topic, packet.payload as Buffer)
          } catch (err) {
            log.error({ err, topic: packet.topic }, 'ingest failed on a message')
          }
        }
        callback(null)
      },
    })
    this.aedes.on('clientError', (client, err) =>
      log.debug({ client: client?.id, err: err.message }, 'MQTT client error'),
    )
    this.aedes.on('connectionError', (_client, err) =>
      log.debug({ err: err.message }, 'MQTT connection error'),
    )
    const server = createServer(this.aedes.handle)
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.o.port, this.o.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.listening = true
    this.port = (server.address() as AddressInfo).port
  }

  publish(topic: string, payload: string | Buffer): void {
    if (!this.aedes || this.aedes.closed) return
    this.aedes.publish(
      {
        cmd: 'publish',
        topic,
        payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
        qos: 0,
        retain: false,
        dup: false,
      },
      (err) => {
        if (err) this.o.log.warn({ err, topic }, 'cannot publish')
      },
    )
  }

  health(): { ok: boolean; detail: string } {
    const ok = this.listening && !!this.aedes && !this.aedes.closed
    return {
      ok,
      detail: ok ? `${this.description}, ${this.aedes!.connectedClients} client(s)` : 'broker not listening',
    }
  }

  async stop(): Promise<void> {
    this.listening = false
    const server = this.server
    const aedes = this.aedes
    // Stop accepting connections, then close the broker, which disconnects the clients.
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve()
    if (aedes && !aedes.closed) await new Promise<void>((resolve) => aedes.close(() => resolve()))
    await closed
  }
}
