/**
 * An external broker (Mosquitto, EMQX) consumed with mqtt.js. The service subscribes to
 * `schools/#` at QoS 1 in a persistent session, so readings published while it restarts are
 * delivered when it returns; the PUBACK is sent after the message has been handled.
 */
import { hostname } from 'node:os'
import { connect, type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { type Message, msg } from '../../core/i18n/index.js'
import type { ClientTlsOptions } from './security.js'
import { type Admission, type Broker, type MessageHandler, takeMessage } from './types.js'

export interface ExternalBrokerOptions {
  url: string
  username?: string
  password?: string
  clientId?: string
  /** For mqtts:// (or wss://): CA, client certificate and whether the broker's must verify. */
  tls?: ClientTlsOptions | undefined
  onMessage: MessageHandler
  admission?: Admission
  log: Logger
}

export const SUBSCRIPTION = 'schools/#'

export class ExternalBroker implements Broker {
  readonly mode = 'external'
  readonly address: string
  private client: MqttClient | undefined

  constructor(private readonly o: ExternalBrokerOptions) {
    const u = new URL(o.url)
    this.address = `${u.protocol}//${u.host}`
  }

  async start(): Promise<void> {
    const { onMessage, admission, log } = this.o
    const client = connect(this.o.url, {
      clientId: this.o.clientId ?? `schoolmeter-${hostname()}`.slice(0, 64),
      clean: false,
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
      // A broker that lost (or never had) our session needs the subscription again.
      if (!connack.sessionPresent) {
        client.subscribe(SUBSCRIPTION, { qos: 1 }, (err) => {
          if (err) log.error({ err: err.message }, `cannot subscribe to ${SUBSCRIPTION}`)
        })
      }
    })
    let firstError: Error | undefined
    client.on('error', (err) => {
      firstError ??= err
      log.warn({ err: err.message }, `MQTT error from ${this.address}`)
    })
    // Up to 10 s for the first connection; a refusal (a wrong password, a certificate that does not
    // verify, nobody listening) ends the wait at once — mqtt.js keeps trying in the background.
    const connected = await new Promise<boolean>((resolve) => {
      if (client.connected) return resolve(true)
      const settle = (ok: boolean) => {
        clearTimeout(timer)
        client.off('connect', onConnect)
        client.off('error', onError)
        resolve(ok)
      }
      const onConnect = () => settle(true)
      const onError = () => settle(false)
      const timer = setTimeout(() => settle(false), 10_000)
      client.once('connect', onConnect)
      client.once('error', onError)
    })
    if (!connected) {
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

  health(): { ok: boolean; detail: Message } {
    const ok = !!this.client?.connected
    return {
      ok,
      detail: msg(ok ? 'health.broker.connected' : 'health.broker.disconnected', { address: this.address }),
    }
  }

  async stop(): Promise<void> {
    await this.client?.endAsync()
  }
}
