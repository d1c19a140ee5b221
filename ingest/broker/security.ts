/**
 * Who may use the embedded broker, and how much. Gateways log in with a username bound to one
 * school (credentials hashed in the store, `npm run admin -- gateway add`); a gateway publishes
 * only under its own `schools/{school}/` and subscribes only to its own `rejected` (and `alerts`
 * when allowed) topic. Anonymous clients are let in only where that is safe (a loopback-only
 * broker before the first credential exists) or when ALLOW_ANONYMOUS=1 asks for it.
 *
 * A client id belongs to one login: a gateway may use its username, `<username>/…` and ids
 * starting with the prefix it was given, and nobody else may use those — so no login can take over
 * another's session. Nobody but the service publishes at or below `schools/+/alerts` and
 * `schools/+/rejected`, whatever the login mode.
 *
 * Passwords: failed logins are backed off per client address (answered at once, without a
 * password check, until the back-off ends); password checks (scrypt) take turns by client
 * address, at most two per address, so a flood from one address cannot queue in front of a
 * login from another; a login checked once is remembered, so a gateway reconnecting is not
 * checked again.
 *
 * Limits, each 0 = off: the size of an MQTT packet (checked on the socket, before the packet is
 * buffered), CONNECTs per client id per minute (a flapping takeover; counted only once a client
 * has logged in), and publishes per second per client — held back, never dropped: a publish over
 * the limit waits for the next second, and aedes reads no more of that client's socket meanwhile,
 * so QoS 1 readings slow down instead of being lost.
 */

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { createSecureContext } from 'node:tls'
import type { AedesOptions, AuthErrorCode, AuthenticateError, Client } from 'aedes'
import type { Logger } from 'pino'
import { type Env, flag } from '../../core/config/env.js'
import { ConfigError, ENVIRONMENT } from '../../core/errors.js'
import { logLine, type Message, msg } from '../../core/i18n/index.js'
import type { Metrics } from '../../core/metrics.js'
import { isLoopback } from '../../core/net.js'
import { hashSecret, newSecret, verifySecret } from '../../core/secrets.js'
import type { GatewayCredential } from '../../store/index.js'

type AuthenticateHandler = NonNullable<AedesOptions['authenticate']>
type AuthorizePublishHandler = NonNullable<AedesOptions['authorizePublish']>
type AuthorizeSubscribeHandler = NonNullable<AedesOptions['authorizeSubscribe']>

/** Who is behind a connection. */
export type Principal =
  | { kind: 'anonymous' }
  /** The service's own in-process clients (the demo simulator): a login made at start, never stored. */
  | { kind: 'internal' }
  | { kind: 'gateway'; username: string; school: string; maySubscribeAlerts: boolean; hash: string }

/** `auto`: anonymous only while every listener is on loopback and no gateway credential is active. */
export type AnonymousPolicy = 'auto' | 'always' | 'never'

export interface CredentialSource {
  get(username: string): GatewayCredential | undefined
  countActive(): number
  listActive(): GatewayCredential[]
}

export interface BrokerLimits {
  /** Largest MQTT packet (fixed header included) a client may send; 0 = no limit. */
  maxPacketBytes: number
  /** Publishes per second per connection before they are held back; 0 = no limit. */
  messagesPerSecond: number
  /** CONNECTs per minute per client id; 0 = no limit. */
  connectsPerMinute: number
}

export const DEFAULT_LIMITS: BrokerLimits = {
  maxPacketBytes: 1024 * 1024,
  messagesPerSecond: 5000,
  connectsPerMinute: 30,
}

export interface BrokerSecurityOptions {
  credentials: CredentialSource
  anonymous: AnonymousPolicy
  /** Every listener is on a loopback address (for the `auto` policy). */
  loopbackOnly: boolean
  limits: BrokerLimits
  metrics: Metrics
  log: Logger
  /** How often live sessions are checked against the store (revoked, rotated credentials). */
  recheckMs?: number
  /** Back-off of failed logins per client address. */
  throttle?: Partial<ThrottleOptions>
}

// ---- Pure rules ---------------------------------------------------------------------------------

/** 127.0.0.0/8, ::1, ::ffff:127.x and `localhost`; 0.0.0.0 and :: are every interface, not loopback. */
export { isLoopback }

/**
 * The service's own output topics and everything below them (`schools/+/alerts/#`,
 * `schools/+/rejected/#`; `+` matches an empty level too): no client publishes there in the
 * service's name, whoever it is.
 */
export function isServiceTopic(topic: string): boolean {
  return /^schools\/[^/]*\/(alerts|rejected)(\/|$)/.test(topic)
}

export function mayPublish(p: Principal | undefined, topic: string): boolean {
  if (!p || isServiceTopic(topic)) return false
  if (p.kind !== 'gateway') return true
  return topic.startsWith(`schools/${p.school}/`)
}

/**
 * The MQTT client ids a gateway login may use: its username, `<username>/…` (a username has no
 * `/`, so these never meet another login's), and ids starting with the prefix it was given.
 */
export function ownsClientId(c: { username: string; clientIdPrefix?: string }, clientId: string): boolean {
  return (
    clientId === c.username ||
    clientId.startsWith(`${c.username}/`) ||
    (c.clientIdPrefix !== undefined && clientId.startsWith(c.clientIdPrefix))
  )
}

/** Whether some client id would belong to both logins (a prefix must not reach into another's ids). */
export function clientIdsOverlap(
  a: { username: string; clientIdPrefix?: string },
  b: { username: string; clientIdPrefix?: string },
): boolean {
  const prefixes = (c: typeof a) => [
    `${c.username}/`,
    ...(c.clientIdPrefix !== undefined ? [c.clientIdPrefix] : []),
  ]
  const meet = (p: string, q: string) => p.startsWith(q) || q.startsWith(p)
  return (
    a.username === b.username ||
    prefixes(a).some((p) => b.username.startsWith(p) || prefixes(b).some((q) => meet(p, q))) ||
    prefixes(b).some((q) => a.username.startsWith(q))
  )
}

/** One key per client: an IPv4 address, or an IPv6 /64 (a host may take any address in its /64). */
export function addressKey(address: string | undefined): string {
  if (!address) return 'unknown'
  const bare = address.replace(/%.*$/, '')
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)
  if (v4) return v4[1]!
  if (!bare.includes(':')) return bare
  const [head = '', tail] = bare.toLowerCase().split('::')
  const h = head ? head.split(':') : []
  const t = tail ? tail.split(':') : []
  const groups =
    tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t]
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`
}

/** Exact topics only (no wildcards): a gateway's own rejections, and its school's alerts when allowed. */
export function maySubscribe(p: Principal | undefined, topic: string): boolean {
  if (!p) return false
  if (p.kind !== 'gateway') return true
  return (
    topic === `schools/${p.school}/rejected` ||
    (p.maySubscribeAlerts && topic === `schools/${p.school}/alerts`)
  )
}

/** Who a client is, for the log. */
function describe(p: Principal | undefined): string {
  if (p?.kind === 'gateway') return logLine`gateway "${p.username}" of school ${p.school}`
  return p ? logLine`${p.kind} client` : logLine`a client that did not log in`
}

function allowedSubscriptions(p: Principal | undefined): string {
  if (p?.kind !== 'gateway') return 'nothing'
  return `schools/${p.school}/rejected${p.maySubscribeAlerts ? logLine` and schools/${p.school}/alerts` : ''}`
}

function refusal(code: 2 | 3 | 4 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code as AuthErrorCode })
}

function remote(client: Client): string | undefined {
  return (client.conn as Partial<Socket>).remoteAddress
}

function describeClientIds(c: { username: string; clientIdPrefix?: string }): string {
  return `"${c.username}", "${c.username}/…"${c.clientIdPrefix !== undefined ? ` or "${c.clientIdPrefix}…"` : ''}`
}

// ---- Limits ------------------------------------------------------------------------------------

/** At most `perMinute` admitted CONNECTs per client id in any 60 s; refused attempts do not count. */
export class ConnectRate {
  private readonly seen = new Map<string, number[]>()
  constructor(private readonly perMinute: number) {}

  admit(clientId: string, now = Date.now()): boolean {
    if (this.perMinute === 0) return true
    const times = (this.seen.get(clientId) ?? []).filter((t) => t > now - 60_000)
    if (times.length >= this.perMinute) {
      this.seen.set(clientId, times)
      return false
    }
    times.push(now)
    this.seen.set(clientId, times)
    return true
  }

  /** Forgets client ids quiet for a minute. */
  sweep(now = Date.now()): void {
    for (const [id, times] of this.seen) if (times.every((t) => t <= now - 60_000)) this.seen.delete(id)
  }
}

interface RateState {
  second: number
  count: number
  queue: (() => void)[]
  timer: NodeJS.Timeout | undefined
}

/**
 * Publishes per second per connection. Over the limit, a publish waits (in arrival order) for the
 * next second; aedes handles the packets of one socket read together and reads on only when all
 * are done, so a waiting publish holds that client's socket — TCP flow control does the rest.
 */
export class MessageRate {
  private readonly clients = new Map<Client, RateState>()
  constructor(
    private readonly perSecond: number,
    private readonly onHeld: () => void,
  ) {}

  run(client: Client, task: () => void): void {
    if (this.perSecond === 0) {
      task()
      return
    }
    let s = this.clients.get(client)
    if (!s) {
      s = { second: 0, count: 0, queue: [], timer: undefined }
      this.clients.set(client, s)
    }
    if (s.queue.length === 0) {
      const second = Math.floor(Date.now() / 1000)
      if (second !== s.second) {
        s.second = second
        s.count = 0
      }
      if (s.count < this.perSecond) {
        s.count++
        task()
        return
      }
    }
    s.queue.push(task)
    this.onHeld()
    if (!s.timer) this.schedule(client, s)
  }

  private schedule(client: Client, s: RateState): void {
    // One millisecond past the turn of the second, so the drain never lands in the old one.
    s.timer = setTimeout(() => this.drain(client, s), 1001 - (Date.now() % 1000))
  }

  private drain(client: Client, s: RateState): void {
    s.timer = undefined
    s.second = Math.floor(Date.now() / 1000)
    s.count = 0
    const ready = s.queue.splice(0, this.perSecond)
    s.count = ready.length
    for (const task of ready) task()
    if (s.queue.length > 0) this.schedule(client, s)
    else if (client.closed) this.clients.delete(client)
  }

  /** A closed client's state goes once nothing of it waits (what waits was received: it still runs). */
  forget(client: Client): void {
    const s = this.clients.get(client)
    if (s && s.queue.length === 0) this.clients.delete(client)
  }

  stop(): void {
    for (const s of this.clients.values()) clearTimeout(s.timer)
    this.clients.clear()
  }
}

/**
 * Follows MQTT framing on a socket (fixed header, remaining length, body) and calls `tooLarge` as
 * soon as a packet announces more than `maxBytes`, before its body is buffered: the parser behind
 * aedes (mqtt-packet) has no size limit of its own and would hold up to 256 MB per packet.
 * It listens to 'data', which a stream in aedes' paused mode emits from read(), just before the
 * parser gets the same bytes; it never consumes anything itself.
 */
export function watchPacketSize(socket: Duplex, maxBytes: number, tooLarge: (bytes: number) => void): void {
  if (maxBytes === 0) return
  let state: 'header' | 'length' | 'body' = 'header'
  let length = 0
  let lengthBytes = 0
  let multiplier = 1
  let remaining = 0
  socket.on('data', (chunk: Buffer) => {
    let i = 0
    while (i < chunk.length) {
      if (state === 'body') {
        const n = Math.min(remaining, chunk.length - i)
        remaining -= n
        i += n
        if (remaining === 0) state = 'header'
        continue
      }
      const byte = chunk[i++]!
      if (state === 'header') {
        state = 'length'
        length = 0
        lengthBytes = 0
        multiplier = 1
        continue
      }
      length += (byte & 0x7f) * multiplier
      multiplier *= 128
      lengthBytes++
      const bytes = 1 + lengthBytes + length
      if (bytes > maxBytes) {
        tooLarge(bytes)
        socket.destroy()
        return
      }
      // A fifth length byte is malformed: the parser says so and closes the connection.
      if (byte & 0x80 && lengthBytes < 4) continue
      remaining = length
      state = remaining > 0 ? 'body' : 'header'
    }
  })
}

/**
 * At most `concurrent` tasks at once. Waiting tasks are taken in turn from each key (a client
 * address), so a key with many waiting cannot keep another waiting behind all of them; at most
 * `perKey` tasks per key and `queued` waiting in all, beyond which run() refuses.
 */
export class FairGate {
  private running = 0
  private queuedTotal = 0
  /** Waiting tasks by key; Maps keep insertion order, so the first key is the next one's turn. */
  private readonly waiting = new Map<string, (() => void)[]>()
  private readonly perKeyHeld = new Map<string, number>()
  constructor(
    private readonly concurrent: number,
    private readonly perKey: number,
    private readonly queued: number,
  ) {}

  run<T>(key: string, task: () => Promise<T>): Promise<T> | undefined {
    const held = this.perKeyHeld.get(key) ?? 0
    const free = this.running < this.concurrent
    if (held >= this.perKey || (!free && this.queuedTotal >= this.queued)) return undefined
    this.perKeyHeld.set(key, held + 1)
    let started: Promise<void>
    if (free) {
      this.running++
      started = Promise.resolve()
    } else {
      this.queuedTotal++
      started = new Promise<void>((resolve) => {
        const q = this.waiting.get(key)
        if (q) q.push(resolve)
        else this.waiting.set(key, [resolve])
      })
    }
    return started.then(task).finally(() => {
      const left = (this.perKeyHeld.get(key) ?? 1) - 1
      if (left > 0) this.perKeyHeld.set(key, left)
      else this.perKeyHeld.delete(key)
      this.next(key)
    })
  }

  /** Hands the freed slot to the key whose turn it is (not the one that just had it), which then goes to the back. */
  private next(finished: string): void {
    const own = this.waiting.get(finished)
    if (own) {
      this.waiting.delete(finished)
      this.waiting.set(finished, own)
    }
    const turn = this.waiting.keys().next()
    if (turn.done) {
      this.running--
      return
    }
    const q = this.waiting.get(turn.value)!
    const resolve = q.shift()!
    this.waiting.delete(turn.value)
    if (q.length > 0) this.waiting.set(turn.value, q)
    this.queuedTotal--
    resolve()
  }
}

export interface ThrottleOptions {
  /** Failed logins an address may have before it is backed off. */
  free: number
  /** The first back-off, doubled with each further failure. */
  baseMs: number
  maxMs: number
  /** An address quiet this long is forgotten. */
  forgetMs: number
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  free: 5,
  baseMs: 1000,
  maxMs: 60_000,
  forgetMs: 15 * 60_000,
}

/**
 * Failed logins per client address. After `free` failures each further one backs the address off
 * for a delay that doubles (1 s, 2 s, 4 s … up to a minute); until it ends, CONNECTs from there are
 * refused at once, without a password check. A good login clears the address.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; until: number; last: number }>()
  private readonly o: ThrottleOptions
  constructor(o: Partial<ThrottleOptions> = {}) {
    this.o = { ...DEFAULT_THROTTLE, ...o }
  }

  /** Milliseconds until `address` may try again; 0 = now. */
  waitMs(address: string, now = Date.now()): number {
    const f = this.failures.get(address)
    return f ? Math.max(0, f.until - now) : 0
  }

  /** Records a failure; returns the back-off it starts (0 while the address is within its free failures). */
  failed(address: string, now = Date.now()): number {
    const f = this.failures.get(address) ?? { count: 0, until: 0, last: now }
    f.count++
    f.last = now
    const over = f.count - this.o.free
    const delay = over > 0 ? Math.min(this.o.baseMs * 2 ** (over - 1), this.o.maxMs) : 0
    f.until = now + delay
    this.failures.set(address, f)
    return delay
  }

  succeeded(address: string): void {
    this.failures.delete(address)
  }

  sweep(now = Date.now()): void {
    for (const [address, f] of this.failures)
      if (now - f.last > this.o.forgetMs && now >= f.until) this.failures.delete(address)
  }
}

/** Logins whose password checked out, remembered for an hour by an HMAC under a key of this process only. */
class VerifiedLogins {
  private readonly key = randomBytes(32)
  private readonly seen = new Map<string, number>()
  constructor(
    private readonly ttlMs = 60 * 60_000,
    private readonly max = 10_000,
  ) {}

  private id(username: string, password: Buffer, hash: string): string {
    return createHmac('sha256', this.key)
      .update(username)
      .update('\0')
      .update(hash)
      .update('\0')
      .update(password)
      .digest('base64url')
  }

  has(username: string, password: Buffer, hash: string, now = Date.now()): boolean {
    const id = this.id(username, password, hash)
    const until = this.seen.get(id)
    if (until === undefined) return false
    if (until > now) return true
    this.seen.delete(id)
    return false
  }

  add(username: string, password: Buffer, hash: string, now = Date.now()): void {
    const id = this.id(username, password, hash)
    this.seen.delete(id)
    while (this.seen.size >= this.max) this.seen.delete(this.seen.keys().next().value!)
    this.seen.set(id, now + this.ttlMs)
  }
}

// ---- The broker's hooks ------------------------------------------------------------------------

let dummyHash: string | undefined

export class BrokerSecurity {
  private readonly sessions = new Map<Client, Principal>()
  /** Connections closed for an oversized packet: what the parser still hands over from them is dropped. */
  private readonly oversized = new WeakSet<Duplex>()
  private readonly connects: ConnectRate
  private readonly rate: MessageRate
  private readonly internal = {
    username: `schoolmeter-internal-${newSecret().slice(0, 12)}`,
    password: newSecret(),
  }
  private readonly internalDigest = createHash('sha256').update(this.internal.password).digest()
  private timer: NodeJS.Timeout | undefined
  /**
   * scrypt runs on libuv's thread pool, which the journal's fsync needs too: a storm of CONNECTs
   * (every gateway after a restart, or someone guessing) queues here instead of filling it, in
   * turns by client address.
   */
  private readonly scrypt = new FairGate(2, 2, 1000)
  private readonly throttle: LoginThrottle
  private readonly verified = new VerifiedLogins()

  constructor(private readonly o: BrokerSecurityOptions) {
    this.throttle = new LoginThrottle(o.throttle)
    this.connects = new ConnectRate(o.limits.connectsPerMinute)
    this.rate = new MessageRate(o.limits.messagesPerSecond, () => o.metrics.mqttThrottledMessages.inc())
  }

  /** The login of the service's own clients (the demo simulator), valid for this process only. */
  get internalLogin(): { username: string; password: string } {
    return { ...this.internal }
  }

  /** Whether a client without credentials may connect now. */
  anonymousAllowed(): boolean {
    if (this.o.anonymous !== 'auto') return this.o.anonymous === 'always'
    return this.o.loopbackOnly && this.o.credentials.countActive() === 0
  }

  start(): void {
    const every = this.o.recheckMs ?? 10_000
    this.timer = setInterval(() => this.recheckSessions(), every)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.rate.stop()
    this.sessions.clear()
  }

  /** For each new connection (plain or TLS), with the client aedes.handle made of it. */
  watchConnection(socket: Duplex, client: Client): void {
    watchPacketSize(socket, this.o.limits.maxPacketBytes, (bytes) => {
      this.oversized.add(socket)
      this.o.metrics.mqttDisconnects.inc({ reason: 'packet_too_large' })
      this.o.log.warn(
        { client: client.id, remote: (socket as Partial<Socket>).remoteAddress, bytes },
        `MQTT packet of ${bytes} bytes is over the limit of ${this.o.limits.maxPacketBytes} (MQTT_MAX_PACKET_BYTES); connection closed`,
      )
    })
  }

  readonly authenticate: AuthenticateHandler = (client, username, password, done) => {
    const address = addressKey(remote(client))
    const refuse = (reason: string, code: 2 | 3 | 4 | 5, message: string, quiet = false) => {
      this.o.metrics.mqttConnectsRefused.inc({ reason })
      const line = { client: client.id, username, remote: remote(client), reason }
      // A flood of refusals for the same cause is counted, not logged line by line.
      if (quiet) this.o.log.debug(line, `MQTT CONNECT refused: ${message}`)
      else this.o.log.warn(line, `MQTT CONNECT refused: ${message}`)
      done(refusal(code, message), false)
    }
    const admit = (p: Principal) => {
      // Counted once a client has logged in: nobody can use up another's CONNECTs.
      if (p.kind !== 'internal' && !this.connects.admit(client.id)) {
        return refuse(
          'connect_rate',
          3,
          logLine`client id "${client.id}" connected more than ${this.o.limits.connectsPerMinute} times in a minute (MQTT_MAX_CONNECTS_PER_MINUTE); two gateways with one client id?`,
        )
      }
      this.sessions.set(client, p)
      client.conn.once('close', () => this.sessions.delete(client))
      done(null, true)
    }
    if (username !== undefined && username === this.internal.username) {
      const digest = createHash('sha256')
        .update(password ?? Buffer.alloc(0))
        .digest()
      if (timingSafeEqual(digest, this.internalDigest)) return admit({ kind: 'internal' })
      return refuse('bad_credentials', 4, logLine`bad username or password`)
    }
    const wait = this.throttle.waitMs(address)
    if (wait > 0) {
      return refuse(
        'throttled',
        3,
        logLine`too many failed logins from ${address}; try again in ${Math.ceil(wait / 1000)} s`,
        true,
      )
    }
    if (username === undefined) {
      let allowed: boolean
      let owner: GatewayCredential | undefined
      try {
        allowed = this.anonymousAllowed()
        owner = allowed ? this.o.credentials.listActive().find((c) => ownsClientId(c, client.id)) : undefined
      } catch (err) {
        this.o.log.error({ err }, 'cannot read gateway credentials')
        return refuse('error', 3, logLine`credentials unavailable`)
      }
      if (!allowed) return refuse('anonymous', 5, logLine`a username and password are required`)
      if (owner) {
        return refuse(
          'client_id',
          2,
          logLine`client id "${client.id}" belongs to gateway "${owner.username}"; an anonymous client may not take over its session`,
        )
      }
      return admit({ kind: 'anonymous' })
    }
    let cred: GatewayCredential | undefined
    try {
      cred = this.o.credentials.get(username)
    } catch (err) {
      this.o.log.error({ err }, 'cannot read gateway credentials')
      return refuse('error', 3, logLine`credentials unavailable`)
    }
    const secret = password ?? Buffer.alloc(0)
    const usable = cred && cred.revokedAt === undefined && password !== undefined
    const checked = (ok: boolean) => {
      if (client.closed) return
      // The credential may have been revoked or rotated while scrypt ran.
      const now = ok && usable ? this.o.credentials.get(username) : undefined
      if (!now || now.revokedAt !== undefined || now.hash !== cred!.hash) {
        const backoff = this.throttle.failed(address)
        if (backoff > 0 && backoff === this.throttle.waitMs(address))
          this.o.log.warn(
            { remote: remote(client), backoffMs: backoff },
            `failed MQTT logins from ${address}: its next CONNECTs are refused for ${Math.ceil(backoff / 1000)} s (doubling with each further failure)`,
          )
        return refuse('bad_credentials', 4, logLine`bad username or password`)
      }
      this.throttle.succeeded(address)
      this.verified.add(username, secret, now.hash)
      // A client id is its login's: no gateway takes over another one's session.
      if (!ownsClientId(now, client.id)) {
        return refuse(
          'client_id',
          2,
          logLine`gateway "${username}" may use the client ids ${describeClientIds(now)} only, not "${client.id}"; set the gateway's client id, or give it a prefix: npm run admin -- gateway set ${username} --client-id-prefix <prefix>`,
        )
      }
      admit({
        kind: 'gateway',
        username,
        school: now.schoolId,
        maySubscribeAlerts: now.maySubscribeAlerts,
        hash: now.hash,
      })
    }
    // A gateway that logged in before with the same password is not checked again.
    if (usable && this.verified.has(username, secret, cred!.hash)) return checked(true)
    // An unknown or revoked username costs the same scrypt as a known one: no timing tells them apart.
    if (!usable) dummyHash ??= hashSecret(newSecret())
    const hash = usable ? cred!.hash : dummyHash!
    const verified = this.scrypt.run(address, () => verifySecret(secret.toString('utf8'), hash))
    if (!verified)
      return refuse('busy', 3, logLine`too many logins waiting to be checked; try again shortly`, true)
    verified.then(checked).catch((err) => {
      this.o.log.error({ err }, 'cannot check a gateway login')
      if (!client.closed) refuse('error', 3, logLine`credentials unavailable`)
    })
  }

  /** Refused subscriptions get SUBACK 0x80 (failure); the client stays connected. */
  readonly authorizeSubscribe: AuthorizeSubscribeHandler = (client, sub, callback) => {
    const p = this.sessions.get(client)
    if (maySubscribe(p, sub.topic)) return callback(null, sub)
    this.o.metrics.mqttAclDenied.inc({ action: 'subscribe' })
    this.o.log.warn(
      { client: client.id, topic: sub.topic },
      `subscription refused: ${describe(p)} may subscribe to ${allowedSubscriptions(p)} only`,
    )
    callback(null, null)
  }

  /**
   * Wraps the broker's authorizePublish: the topic ACL first (a gateway publishing outside its
   * school is disconnected), then the per-client rate. Publishes of the service itself
   * (aedes.publish) never come here.
   */
  guardPublish(inner: AuthorizePublishHandler): AuthorizePublishHandler {
    return (client, packet, callback) => {
      if (!client) return inner(client, packet, callback)
      // The rest of a read that held an oversized packet (the packet itself included, when it
      // arrived whole) still reaches the parser; none of it is taken.
      if (this.oversized.has(client.conn)) return callback(new Error('connection closed: packet too large'))
      const p = this.sessions.get(client)
      if (!mayPublish(p, packet.topic)) {
        this.o.metrics.mqttAclDenied.inc({ action: 'publish' })
        this.o.metrics.mqttDisconnects.inc({ reason: 'acl_publish' })
        const why = logLine`${describe(p)} may not publish to ${packet.topic}`
        this.o.log.warn({ client: client.id, topic: packet.topic }, `${why}; client disconnected`)
        return callback(new Error(why))
      }
      if (p?.kind === 'internal' || client.closed) return inner(client, packet, callback)
      this.rate.run(client, () => inner(client, packet, callback))
    }
  }

  /** Called by the broker when a client disconnects. */
  clientGone(client: Client): void {
    this.rate.forget(client)
  }

  /**
   * Closes sessions whose login no longer holds: a revoked, rotated or deleted credential, or an
   * anonymous client once anonymous access has ended (the first credential was added). Runs every
   * `recheckMs`; the admin CLI is another process, so the store is the only channel between them.
   */
  recheckSessions(): number {
    let closed = 0
    let anonymousOk: boolean | undefined
    try {
      for (const [client, p] of this.sessions) {
        if (client.closed) {
          this.sessions.delete(client)
          continue
        }
        let why: string | undefined
        if (p.kind === 'gateway') {
          const now = this.o.credentials.get(p.username)
          if (!now || now.revokedAt !== undefined)
            why = logLine`the credential of gateway "${p.username}" was revoked`
          else if (now.hash !== p.hash) why = logLine`the password of gateway "${p.username}" was changed`
        } else if (p.kind === 'anonymous') {
          anonymousOk ??= this.anonymousAllowed()
          if (!anonymousOk)
            why = logLine`anonymous clients are no longer allowed (a gateway credential exists)`
        }
        if (why) {
          closed++
          this.sessions.delete(client)
          this.o.metrics.mqttDisconnects.inc({ reason: 'credential_invalidated' })
          this.o.log.warn({ client: client.id }, `MQTT session closed: ${why}`)
          client.close()
        }
      }
      this.connects.sweep()
      this.throttle.sweep()
    } catch (err) {
      this.o.log.error({ err }, 'cannot re-check MQTT sessions')
    }
    return closed
  }
}

// ---- From the environment ----------------------------------------------------------------------

export interface TlsListenerOptions {
  host: string
  port: number
  cert: Buffer
  key: Buffer
  /** Client certificates are required and must chain to this CA. */
  ca?: Buffer
}

export interface ClientTlsOptions {
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
  rejectUnauthorized: boolean
}

/** Variables of the other broker mode are mistakes worth naming, not settings to ignore. */
function misplaced(env: Env, variables: (keyof Env)[], o: { expected: Message }): void {
  const set = variables.filter((v) => env[v] !== undefined)
  if (set.length > 0)
    throw new ConfigError(
      ENVIRONMENT,
      set.map((v) => ({ path: v, value: env[v], expected: o.expected })),
    )
}

function readPem(variable: string, path: string): Buffer {
  try {
    return readFileSync(path)
  } catch (err) {
    throw new ConfigError(ENVIRONMENT, [
      {
        path: variable,
        value: path,
        expected: msg('config.expected.readablePem', { detail: (err as Error).message }),
      },
    ])
  }
}

/** The TLS listener of the embedded broker, when MQTT_TLS_PORT is set; files are read and checked now. */
export function tlsListenerFromEnv(env: Env): TlsListenerOptions | undefined {
  if (env.MQTT_TLS_PORT === undefined) {
    for (const v of ['MQTT_TLS_CERT', 'MQTT_TLS_KEY', 'MQTT_TLS_CA', 'MQTT_TLS_HOST'] as const) {
      if (env[v] !== undefined) {
        throw new ConfigError(ENVIRONMENT, [
          { path: 'MQTT_TLS_PORT', expected: msg('config.expected.tlsPort', { variable: v }) },
        ])
      }
    }
    return undefined
  }
  const missing = (['MQTT_TLS_CERT', 'MQTT_TLS_KEY'] as const).filter((v) => env[v] === undefined)
  if (missing.length > 0) {
    throw new ConfigError(
      ENVIRONMENT,
      missing.map((v) => ({
        path: v,
        expected: msg(v === 'MQTT_TLS_KEY' ? 'config.expected.tlsKey' : 'config.expected.tlsCert'),
      })),
    )
  }
  const cert = readPem('MQTT_TLS_CERT', env.MQTT_TLS_CERT!)
  const key = readPem('MQTT_TLS_KEY', env.MQTT_TLS_KEY!)
  const ca = env.MQTT_TLS_CA !== undefined ? readPem('MQTT_TLS_CA', env.MQTT_TLS_CA) : undefined
  try {
    createSecureContext({ cert, key, ...(ca ? { ca } : {}) })
  } catch (err) {
    throw new ConfigError(ENVIRONMENT, [
      {
        path: 'MQTT_TLS_CERT',
        value: env.MQTT_TLS_CERT,
        expected: msg('config.expected.tlsPair', { detail: (err as Error).message }),
      },
    ])
  }
  return {
    host: env.MQTT_TLS_HOST ?? env.MQTT_HOST,
    port: env.MQTT_TLS_PORT,
    cert,
    key,
    ...(ca ? { ca } : {}),
  }
}

/** TLS towards an external broker (MQTT_URL mqtts://…): CA, client certificate, verification. */
export function clientTlsFromEnv(env: Env): ClientTlsOptions | undefined {
  misplaced(env, ['MQTT_TLS_PORT', 'MQTT_TLS_HOST', 'MQTT_TLS_CERT', 'MQTT_TLS_KEY', 'MQTT_TLS_CA'], {
    expected: msg('config.expected.embeddedOnly'),
  })
  const secure = !!env.MQTT_URL && /^(mqtts|ssl|wss):/.test(env.MQTT_URL)
  const files = (['MQTT_CA', 'MQTT_CERT', 'MQTT_KEY'] as const).filter((v) => env[v] !== undefined)
  if (!secure) {
    const tlsSet = [
      ...files,
      ...(env.MQTT_REJECT_UNAUTHORIZED !== undefined ? ['MQTT_REJECT_UNAUTHORIZED'] : []),
    ]
    if (tlsSet.length > 0) {
      throw new ConfigError(ENVIRONMENT, [
        {
          path: 'MQTT_URL',
          value: env.MQTT_URL,
          expected: msg('config.expected.secureUrl', { variables: tlsSet, count: tlsSet.length }),
        },
      ])
    }
    return undefined
  }
  if ((env.MQTT_CERT === undefined) !== (env.MQTT_KEY === undefined)) {
    const absent = env.MQTT_CERT === undefined ? 'MQTT_CERT' : 'MQTT_KEY'
    throw new ConfigError(ENVIRONMENT, [{ path: absent, expected: msg('config.expected.clientPair') }])
  }
  return {
    ...(env.MQTT_CA !== undefined ? { ca: readPem('MQTT_CA', env.MQTT_CA) } : {}),
    ...(env.MQTT_CERT !== undefined ? { cert: readPem('MQTT_CERT', env.MQTT_CERT) } : {}),
    ...(env.MQTT_KEY !== undefined ? { key: readPem('MQTT_KEY', env.MQTT_KEY) } : {}),
    rejectUnauthorized: env.MQTT_REJECT_UNAUTHORIZED === undefined || flag(env.MQTT_REJECT_UNAUTHORIZED),
  }
}

export function limitsFromEnv(env: Env): BrokerLimits {
  return {
    maxPacketBytes: env.MQTT_MAX_PACKET_BYTES ?? Math.max(1024 * 1024, env.MAX_PAYLOAD_BYTES + 64 * 1024),
    messagesPerSecond: env.MQTT_MAX_MESSAGES_PER_SECOND,
    connectsPerMinute: env.MQTT_MAX_CONNECTS_PER_MINUTE,
  }
}

/**
 * The embedded broker's security from the environment, with the safe-default rule: a broker
 * reachable beyond loopback must not take anonymous clients by accident. Throws ConfigError, saying
 * how to fix it, when it would.
 */
export function embeddedSecurityFromEnv(
  env: Env,
  deps: { credentials: CredentialSource; metrics: Metrics; log: Logger },
): { security: BrokerSecurity; tls?: TlsListenerOptions } {
  misplaced(env, ['MQTT_CA', 'MQTT_CERT', 'MQTT_KEY', 'MQTT_REJECT_UNAUTHORIZED'], {
    expected: msg('config.expected.externalOnly'),
  })
  const tls = tlsListenerFromEnv(env)
  const hosts = [env.MQTT_HOST, ...(tls ? [tls.host] : [])]
  const exposed = hosts.find((h) => !isLoopback(h))
  const anonymous: AnonymousPolicy =
    env.ALLOW_ANONYMOUS === undefined ? 'auto' : flag(env.ALLOW_ANONYMOUS) ? 'always' : 'never'
  const active = deps.credentials.countActive()
  if (anonymous === 'auto' && exposed !== undefined && active === 0) {
    throw new ConfigError(ENVIRONMENT, [
      {
        path: tls && exposed === tls.host && exposed !== env.MQTT_HOST ? 'MQTT_TLS_HOST' : 'MQTT_HOST',
        value: exposed,
        expected: msg('config.expected.brokerLoopback'),
      },
    ])
  }
  if (anonymous === 'always' && exposed !== undefined) {
    deps.log.warn(
      `ALLOW_ANONYMOUS=1: anonymous MQTT clients may publish readings for any school on ${exposed}; add gateway credentials (npm run admin -- gateway add) and unset it`,
    )
  }
  if (anonymous === 'never' && active === 0) {
    deps.log.warn(
      'ALLOW_ANONYMOUS=0 and no gateway credential exists: no gateway can connect; add one with npm run admin -- gateway add',
    )
  }
  const security = new BrokerSecurity({
    credentials: deps.credentials,
    anonymous,
    loopbackOnly: exposed === undefined,
    limits: limitsFromEnv(env),
    metrics: deps.metrics,
    log: deps.log,
  })
  return { security, ...(tls ? { tls } : {}) }
}
