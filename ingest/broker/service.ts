/**
 * The broker part: the embedded aedes (default) or an external broker (MQTT_URL), from the
 * environment. Each message goes to ingest (which journals it); a QoS 1 one is acknowledged once
 * durable; each rejection is published back on `schools/{school}/rejected`. Started last of the
 * ingest side, after the journal's replay, and stopped first.
 */
import type { Logger } from 'pino'
import type { Env } from '../../core/config/env.js'
import type { Message } from '../../core/i18n/index.js'
import type { Metrics } from '../../core/metrics.js'
import type { Registry } from '../../core/registry.js'
import type { Store } from '../../store/index.js'
import { diskFailureHealth } from '../durability.js'
import { rejectionMessage } from '../rejections.js'
import type { IngestService } from '../service.js'
import type { ClaimedShard } from '../shard/index.js'
import { EmbeddedBroker } from './embedded.js'
import { ExternalBroker } from './external.js'
import { clientTlsFromEnv, embeddedSecurityFromEnv } from './security.js'
import type { Broker, MessageHandler } from './types.js'

export interface BrokerServiceOptions {
  env: Env
  registry: Registry
  store: Store
  metrics: Metrics
  log: Logger
  ingest: IngestService
  /** A sharded worker's shard (SHARD): its session and its schools' topics, on the external broker. */
  shard?: ClaimedShard
}

/** How a client inside the service (the demo simulator) reaches the broker. */
export interface BrokerConnection {
  url: string
  username?: string
  password?: string
}

export class BrokerService {
  private running: Broker | undefined

  constructor(private readonly o: BrokerServiceOptions) {}

  /** The broker, once started. */
  get broker(): Broker {
    if (!this.running) throw new Error('the broker is not running yet')
    return this.running
  }

  async start(): Promise<void> {
    const { env, registry, store, metrics, log, ingest, shard } = this.o
    const admission = ingest.admission.wait
    // Embedded: the PUBACK waits for the journal's fdatasync, shared by every message that arrived
    // meanwhile. External: mqtt.js handles one message at a time, so the record is written before
    // the PUBACK, and synced with the next.
    const broker: Broker = env.MQTT_URL
      ? new ExternalBroker({
          url: env.MQTT_URL,
          onMessage: shard ? ownedOnly(shard, ingest.handler(false)) : ingest.handler(false),
          admission,
          log,
          ...(env.MQTT_USERNAME !== undefined ? { username: env.MQTT_USERNAME } : {}),
          ...(env.MQTT_PASSWORD !== undefined ? { password: env.MQTT_PASSWORD } : {}),
          ...(env.MQTT_CLIENT_ID !== undefined ? { clientId: env.MQTT_CLIENT_ID } : {}),
          ...(shard ? { clientId: shard.clientId, filters: shard.filters } : {}),
          tls: clientTlsFromEnv(env),
        })
      : new EmbeddedBroker({
          // Logins, topic ACL, limits, TLS; refuses to start an exposed broker open to anyone.
          ...embeddedSecurityFromEnv(env, { credentials: store.gatewayCredentials, metrics, log }),
          host: env.MQTT_HOST,
          port: env.MQTT_PORT,
          onMessage: ingest.handler(true),
          admission,
          log,
        })
    this.running = broker
    ingest.pipeline.onRejected((r) => {
      if (r.school) broker.publish(`schools/${r.school}/rejected`, rejectionMessage(r, registry))
    })
    await broker.start()
    log.info(`MQTT: ${broker.mode} broker, ${broker.address}`)
  }

  async stop(): Promise<void> {
    await this.running?.stop()
  }

  publish(topic: string, payload: string | Buffer): void {
    this.broker.publish(topic, payload)
  }

  /** Ingest's part of /health: failing while the journal cannot write (with a sentence for people), else the broker's. */
  health(): { part: { ok: boolean; detail: Message }; message?: Message } {
    const failure = this.o.ingest.journal.failure
    if (failure) return diskFailureHealth(failure)
    return { part: this.broker.health() }
  }

  /** The embedded broker's port, once started. */
  get port(): number | undefined {
    return this.running instanceof EmbeddedBroker ? this.running.port : undefined
  }

  /** How a client inside the service reaches the broker; where logins are checked, with the service's own (made at start, never stored). */
  connection(): BrokerConnection {
    const { env } = this.o
    const broker = this.broker
    const host = env.MQTT_HOST === '0.0.0.0' || env.MQTT_HOST === '::' ? '127.0.0.1' : env.MQTT_HOST
    const url = env.MQTT_URL ?? `mqtt://${host.includes(':') ? `[${host}]` : host}:${this.port}`
    const login =
      broker instanceof EmbeddedBroker
        ? broker.internalLogin
        : env.MQTT_USERNAME !== undefined
          ? { username: env.MQTT_USERNAME, password: env.MQTT_PASSWORD ?? '' }
          : undefined
    return { url, ...login }
  }
}

/** Another shard's school, from a subscription a persistent session kept: its owner has it. */
function ownedOnly(shard: ClaimedShard, handle: MessageHandler): MessageHandler {
  return (topic, payload, qos) => (shard.owns(topic) ? handle(topic, payload, qos) : undefined)
}
