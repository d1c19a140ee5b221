/**
 * The embedded broker: aedes on a TCP port, with ingest hooked in-process. Readings are taken
 * in `authorizePublish`, which aedes runs before it acknowledges a QoS 1 publish, so a reading
 * is processed before its PUBACK and no second network hop is involved. Meters and dashboards
 * can still subscribe to every topic as on any broker.
 */

import type { AddressInfo } from 'node:net'
import { createServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { Aedes } from 'aedes'
import type { Logger } from 'pino'
import { type Message, msg } from '../../core/i18n/index.js'
import type { BrokerSecurity, TlsListenerOptions } from './security.js'
import { type Admission, type Broker, type MessageHandler, takeMessage } from './types.js'

/**
 * Deliveries aedes' emitter runs at once (aedes' default is 100), and the service's own publishes
 * handed to it at once: always fewer, so that they never wait in the emitter's queue (below).
 */
const CONCURRENCY = 1000
const PUBLISHING = 800

export interface EmbeddedBrokerOptions {
  host: string
  port: number
  onMessage: MessageHandler
  /** Logins, topic ACL and limits (security.ts); without it every client may do anything. */
  security?: BrokerSecurity
  /** A second listener speaking MQTT over TLS (mqtts). */
  tls?: TlsListenerOptions
  admission?: Admission
  log: Logger
}

export class EmbeddedBroker implements Broker {
  readonly mode = 'embedded'
  private aedes: Aedes | undefined
  private server: Server | undefined
  private tlsServer: Server | undefined
  /** The TLS listener's port, when there is one. */
  tlsPort: number | undefined
  private listening = false
  private readonly outgoing: { topic: string; payload: Buffer }[] = []
  private publishing = 0
  private sending = false
  port: number

  constructor(private readonly o: EmbeddedBrokerOptions) {
    this.port = o.port
  }

  get address(): string {
    const tls = this.o.tls ? `, mqtts://${this.o.tls.host}:${this.tlsPort ?? this.o.tls.port}` : ''
    return `mqtt://${this.o.host}:${this.port}${tls}`
  }

  /** The login of the service's own clients (the demo), when logins are checked. */
  get internalLogin(): { username: string; password: string } | undefined {
    return this.o.security?.internalLogin
  }

  get security(): BrokerSecurity | undefined {
    return this.o.security
  }

  async start(): Promise<void> {
    const { onMessage, admission, log } = this.o
    const security = this.o.security
    // The topic ACL and the message rate run first, around the ingest below (security.ts).
    const guard = security ? security.guardPublish.bind(security) : <T>(handler: T) => handler
    this.aedes = await Aedes.createBroker({
      concurrency: CONCURRENCY,
      ...(security
        ? { authenticate: security.authenticate, authorizeSubscribe: security.authorizeSubscribe }
        : {}),
      authorizePublish: guard((client, packet, callback) => {
        if (!client) return callback(null)
        // Never fail the callback for bad data: that would disconnect the gateway. Bad readings
        // are rejected on the `rejected` topic instead. The callback is what sends the PUBACK,
        // so it waits until the handler says the message is durable; and while ingest pushes
        // back, aedes reads nothing more from this client (it waits for every packet of a read).
        takeMessage(onMessage, admission, log, packet, callback)
      }),
    })
    this.aedes.on('clientError', (client, err) =>
      log.debug({ client: client?.id, err: err.message }, 'MQTT client error'),
    )
    this.aedes.on('connectionError', (_client, err) =>
      log.debug({ err: err.message }, 'MQTT connection error'),
    )
    if (security) {
      this.aedes.on('clientDisconnect', (client) => security.clientGone(client))
      security.start()
    }
    const aedes = this.aedes
    const handle = (socket: Socket) => {
      const client = aedes.handle(socket)
      security?.watchConnection(socket, client)
    }
    const server = createServer(handle)
    this.server = server
    this.port = await listen(server, this.o.port, this.o.host)
    if (this.o.tls) {
      const { host, port, cert, key, ca } = this.o.tls
      // With a CA, a client must present a certificate it signed (on top of its MQTT login).
      const tlsServer = createTlsServer(
        { cert, key, ...(ca ? { ca, requestCert: true, rejectUnauthorized: true } : {}) },
        handle,
      )
      tlsServer.on('tlsClientError', (err, socket) =>
        log.debug({ err: err.message, remote: socket.remoteAddress }, 'MQTT TLS handshake failed'),
      )
      this.tlsServer = tlsServer
      this.tlsPort = await listen(tlsServer, port, host)
    }
    this.listening = true
  }

  /**
   * The service's own messages (rejections, alerts), in order. At most PUBLISHING are handed to
   * aedes at once: beyond its emitter's concurrency aedes queues them and later works through that
   * queue recursively, and a burst of thousands (the rejections of a big bad batch, while a
   * subscriber is slow) overflowed the stack and ended the process.
   */
  publish(topic: string, payload: string | Buffer): void {
    if (!this.aedes || this.aedes.closed) return
    this.outgoing.push({ topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload })
    this.sendOutgoing()
  }

  private sendOutgoing(): void {
    // aedes may call back within publish(): the loop below then goes on, rather than recursing.
    if (this.sending) return
    this.sending = true
    try {
      while (this.publishing < PUBLISHING && this.outgoing.length > 0 && this.aedes && !this.aedes.closed) {
        const { topic, payload } = this.outgoing.shift()!
        this.publishing++
        this.aedes.publish({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false }, (err) => {
          if (err) this.o.log.warn({ err, topic }, 'cannot publish')
          this.publishing--
          this.sendOutgoing()
        })
      }
    } finally {
      this.sending = false
    }
  }

  health(): { ok: boolean; detail: Message } {
    const ok = this.listening && !!this.aedes && !this.aedes.closed
    return {
      ok,
      detail: ok
        ? msg('health.broker.embedded', { address: this.address, clients: this.aedes!.connectedClients })
        : msg('health.broker.down'),
    }
  }

  async stop(): Promise<void> {
    this.listening = false
    const aedes = this.aedes
    this.o.security?.stop()
    // Stop accepting connections, then close the broker, which disconnects the clients.
    const closed = Promise.all(
      [this.server, this.tlsServer].map((server) =>
        server ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined,
      ),
    )
    if (aedes && !aedes.closed) await new Promise<void>((resolve) => aedes.close(() => resolve()))
    await closed
  }
}

/** Listens and answers the port (the one given, or the one the system chose for 0). */
function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}
