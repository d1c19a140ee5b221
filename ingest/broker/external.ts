/**
 * An external broker (Mosquitto, EMQX, a NATS cluster) consumed with mqtt.js. The service
 * subscribes to `schools/#` — a shard's worker to its schools' topics only — at QoS 1 in a
 * persistent session, so readings published while it restarts are delivered when it returns; the
 * PUBACK is sent after the message has been handled. `MQTT_URL` may list the nodes of a cluster,
 * comma-separated: the client tries them in turn when one goes away.
 */
import { hostname } from 'node:os'
import { connect, ErrorWithSubackPacket, type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { type Message, msg } from '../../core/i18n/index.js'
import type { ClientTlsOptions } from './security.js'
import { type Admission, type Broker, type MessageHandler, takeMessage } from './types.js'

export interface ExternalBrokerOptions {
  /** One broker URL, or a cluster's nodes comma-separated (mqtt://n1:1883,mqtt://n2:1883). */
  url: string
  username?: string
  password?: string
  clientId?: string
  /** For mqtts:// (or wss://): CA, client certificate and whether the broker's must verify. */
  tls?: ClientTlsOptions | undefined
  /** Topic filters to subscribe to; `schools/#` when left out (a shard's worker gives its schools'). */
  filters?: string[]
  onMessage: MessageHandler
  admission?: Admission
  log: Logger
}

export const SUBSCRIPTION = 'schools/#'

/** The brokers of a (comma-separated) MQTT_URL, in order. */
export function brokerServers(url: string): { host: string; port: number; protocol: string }[] {
  return url.split(',').map((part) => {
    const u = new URL(part.trim())
    const protocol = u.protocol.slice(0, -1)
    const port = u.port ? Number(u.port) : protocol === 'mqtts' || protocol === 'ssl' ? 8883 : 1883
    return { host: u.hostname, port, protocol }
  })
}

export class ExternalBroker implements Broker {
  readonly mode = 'external'
  readonly address: string
  private client: MqttClient | undefined
  private readonly filters: string[]
  /** Filters the broker refused in its last SUBACK (a NATS session over its max_ack_pending). */
  private refused: string[] = []
  /** Connected, but the SUBACK has not come yet: readings may not be flowing. */
  private subscribing = false
  private onSubscribed: (() => void) | undefined

  constructor(private readonly o: ExternalBrokerOptions) {
    const servers = brokerServers(o.url)
    this.address = servers.map((s) => `${s.protocol}://${s.host}:${s.port}`).join(',')
    this.filters = o.filters ?? [SUBSCRIPTION]
  }

  async start(): Promise<void> {
    const { onMessage, admission, log } = this.o
    const servers = brokerServers(this.o.url)
    const first = servers[0]!
    const client = connect({
      ...first,
      protocol: first.protocol as 'mqtt',
      ...(servers.length > 1
        ? { servers: servers as { host: string; port: number; protocol: 'mqtt' }[] }
        : {}),
      clientId: this.o.clientId ?? `schoolmeter-${hostname()}`.slice(0, 64),
      clean: false,
      // Subscriptions are ours to renew on every connection (below), not mqtt.js's.
      resubscribe: false,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      ...(this.o.username !== undefined ? { username: this.o.username } : {}),
      ...(this.o.password !== undefined ? { password: this.o.password } : {}),
      ...this.o.tls,
    })
    this.client = client
    // Handlers go on before the connection is up: a persistent session delivers what was
    // queued for us right after CONNACK.
    // mqtt.js sends the PUBACK when handleMessage calls back, and reads the next packet only
    // then: holding the callback is how back-pressure and "acknowledged means durable" reach
    // the broker, which keeps unacknowledged messages for our persistent session.
    client.handleMessage = (packet, callback) => {
      takeMessage(onMessage, admission, log, packet, (err) => callback(err))
    }
    client.on('reconnect', () => log.warn(`reconnecting to ${this.address}`))
    client.on('connect', (connack) => {
      // Subscribed on every connection: a broker that lost (or never had) our session needs the
      // filters again, and one that kept it takes them as they are now (a school added to the
      // registry, a shard's schools reassigned). A session kept from before sharding loses the
      // whole-district filter, which would bring every school's readings here.
      if (connack.sessionPresent && !this.filters.includes(SUBSCRIPTION)) client.unsubscribe(SUBSCRIPTION)
      this.subscribing = true
      client.subscribe(this.filters, { qos: 1 }, (err, granted) => {
        this.subscribing = false
        this.onSubscribed?.()
        this.onSubscribed = undefined
        // mqtt.js reports a SUBACK that refuses some filters (0x80) as an error carrying the packet.
        const codes = err instanceof ErrorWithSubackPacket ? err.packet.granted : undefined
        if (err && !codes) {
          log.error({ err: err.message }, `cannot subscribe to ${this.describeFilters()}`)
          return
        }
        this.refused = codes
          ? this.filters.filter((_, i) => codes[i] === 128)
          : (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic)
        if (this.refused.length)
          log.error(
            { refused: this.refused.slice(0, 10), count: this.refused.length },
            `the broker refused ${this.refused.length} of ${this.filters.length} subscription(s): their readings are not received. ` +
              "On NATS, a session's subscriptions may hold 65535 unacknowledged messages in all (max_ack_pending each): lower max_ack_pending in the broker's mqtt block",
          )
      })
    })
    let firstError: Error | undefined
    client.on('error', (err) => {
      firstError ??= err
      log.warn({ err: err.message }, `MQTT error from ${this.address}`)
    })
    // Started once subscribed: from then on the broker delivers (and a NATS cluster has made the
    // session's consumers, which can take seconds for a shard's hundreds of filters). Up to 10 s;
    // a refused connection (a wrong password, a certificate that does not verify, nobody
    // listening) ends the wait at once — mqtt.js keeps trying in the background.
    const connected = await new Promise<boolean>((resolve) => {
      const settle = (ok: boolean) => {
        clearTimeout(timer)
        client.off('error', onError)
        this.onSubscribed = undefined
        resolve(ok)
      }
      const onError = () => {
        if (!client.connected) settle(false)
      }
      const timer = setTimeout(() => settle(false), 10_000)
      this.onSubscribed = () => settle(true)
      client.on('error', onError)
    })
    if (!connected && client.connected) {
      log.warn(`connected to ${this.address}, still subscribing; /health reports it`)
    } else if (!connected) {
      log.warn(
        `cannot reach ${this.address} yet (${firstError?.message ?? 'no answer'}); retrying in the background, /health reports it`,
      )
    }
  }

  publish(topic: string, payload: string | Buffer): void {
    this.client?.publish(topic, payload, { qos: 0 }, (err) => {
      if (err) this.o.log.warn({ err: err.message, topic }, 'cannot publish')
    })
  }

  /** The filters, for a log line: a shard's can be hundreds. */
  private describeFilters(): string {
    const shown = this.filters.slice(0, 3).join(', ')
    return this.filters.length > 3 ? `${shown} and ${this.filters.length - 3} more` : shown
  }

  health(): { ok: boolean; detail: Message } {
    const connected = !!this.client?.connected
    if (connected && this.subscribing)
      return { ok: false, detail: msg('shard.health.subscribing', { address: this.address }) }
    if (connected && this.refused.length)
      return {
        ok: false,
        detail: msg('shard.health.refused', {
          address: this.address,
          count: this.refused.length,
          total: this.filters.length,
        }),
      }
    return {
      ok: connected,
      detail: msg(connected ? 'health.broker.connected' : 'health.broker.disconnected', {
        address: this.address,
      }),
    }
  }

  async stop(): Promise<void> {
    await this.client?.endAsync()
  }
}
