/**
 * Local stand-ins for the three group robot platforms, each checking what its documentation says a
 * request must be and answering as the platform does (notify/channels/*\/README.md has the sources):
 *
 * - WeCom `POST /cgi-bin/webhook/send?key=…`: `{msgtype: "markdown", markdown: {content}}`, content
 *   at most 4,096 bytes (else errcode 40058 "markdown.content exceed max length 4096"); an unknown
 *   key is 93000 "invalid webhook url"; more than 20 messages in a minute is 45009 "api freq out of
 *   limit".
 * - DingTalk `POST /robot/send?access_token=…&timestamp=…&sign=…`: `timestamp` in ms within an hour
 *   of now and `sign` = base64(HMAC-SHA256(secret, timestamp + "\n" + secret)), else errcode 310000;
 *   `{msgtype: "markdown", markdown: {title, text}, at: {atMobiles, atUserIds}}`, every @-mentioned
 *   person also written as `@…` in the text; more than 20 messages in a minute is 130101 "send too
 *   fast, exceed 20 times per minute" and the robot stays locked for 10 minutes.
 * - Feishu `POST /open-apis/bot/v2/hook/…`: `{timestamp, sign, msg_type: "interactive", card}` with
 *   `timestamp` in seconds within an hour and `sign` = base64(HMAC-SHA256 keyed with
 *   `timestamp + "\n" + secret` over nothing), else code 19021; a body over 20 KB is 9499 "Bad
 *   Request"; more than 5 a second is 9499 "too many request" (HTTP 400), more than 100 a minute
 *   11232 flow control.
 *
 * Time is the test's clock, so limits are judged on the same time the dispatcher keeps.
 */
import { createHmac } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { createServer, type IncomingMessage, type Server } from 'node:http'

export type Platform = 'wecom' | 'dingtalk' | 'feishu'

export interface RobotHit {
  platform: Platform
  /** The robot (key, token or hook id). */
  robot: string
  /** The test clock when it arrived. */
  at: number
  body: Record<string, unknown>
  /** What the platform answered: 0 accepted, else its error code. */
  code: number
}

interface Robot {
  platform: Platform
  id: string
  secret?: string
  arrivals: number[]
  lockedUntil: number
  /** Answer nothing, ever (a dead endpoint). */
  silent?: boolean
}

const FEISHU_MAX_BODY = 20 * 1024

export class RobotPlatforms extends EventEmitter {
  readonly hits: RobotHit[] = []
  /** Requests that broke the documented format: a bug on our side, whatever the platform would say. */
  readonly violations: string[] = []
  private readonly robots = new Map<string, Robot>()
  private server: Server | undefined
  private base = ''
  /** Requests held open without an answer (silent robots). */
  readonly held: IncomingMessage[] = []

  constructor(private readonly clock: { now(): number }) {
    super()
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = ''
      req.setEncoding('utf8')
      req.on('data', (c: string) => {
        raw += c
      })
      req.on('end', () => {
        const answer = this.handle(req, raw)
        if (!answer) return
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.json))
      })
    })
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r))
    this.base = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()))
  }

  /** A robot, and the webhook address its group gives out. */
  add(platform: Platform, id: string, o: { secret?: string; silent?: boolean } = {}): string {
    this.robots.set(`${platform}/${id}`, { platform, id, ...o, arrivals: [], lockedUntil: 0 })
    if (platform === 'wecom') return `${this.base}/cgi-bin/webhook/send?key=${id}`
    if (platform === 'dingtalk') return `${this.base}/robot/send?access_token=${id}`
    return `${this.base}/open-apis/bot/v2/hook/${id}`
  }

  /** Someone else used the robot: `count` messages now, as the platform counts them. */
  use(platform: Platform, id: string, count: number): void {
    const r = this.robots.get(`${platform}/${id}`)!
    for (let i = 0; i < count; i++) r.arrivals.push(this.clock.now())
  }

  accepted(platform: Platform, robot?: string): RobotHit[] {
    return this.hits.filter((h) => h.platform === platform && h.code === 0 && (!robot || h.robot === robot))
  }

  private handle(req: IncomingMessage, raw: string): { status: number; json: unknown } | undefined {
    const url = new URL(req.url ?? '/', this.base)
    let body: Record<string, unknown> = {}
    try {
      body = JSON.parse(raw) as Record<string, unknown>
    } catch {
      this.violations.push(`not JSON: ${raw.slice(0, 80)}`)
    }
    if (url.pathname === '/cgi-bin/webhook/send') return this.wecom(url, body, raw, req)
    if (url.pathname === '/robot/send') return this.dingtalk(url, body, req)
    const hook = /^\/open-apis\/bot\/v2\/hook\/(.+)$/.exec(url.pathname)
    if (hook) return this.feishu(hook[1]!, body, raw, req)
    return { status: 404, json: {} }
  }

  private record(platform: Platform, robot: string, body: Record<string, unknown>, code: number): void {
    const hit = { platform, robot, at: this.clock.now(), body, code }
    this.hits.push(hit)
    this.emit('hit', hit)
  }

  /** Counts an arrival; true when it breaks a limit of at most `max` in any `perMs`. */
  private over(r: Robot, limits: { max: number; perMs: number }[]): boolean {
    const now = this.clock.now()
    r.arrivals.push(now)
    return limits.some((l) => r.arrivals.filter((t) => t > now - l.perMs).length > l.max)
  }

  private wecom(url: URL, body: Record<string, unknown>, raw: string, req: IncomingMessage) {
    const key = url.searchParams.get('key') ?? ''
    const r = this.robots.get(`wecom/${key}`)
    const answer = (errcode: number, errmsg: string) => {
      this.record('wecom', key, body, errcode)
      return { status: 200, json: { errcode, errmsg } }
    }
    if (!r) return answer(93000, 'invalid webhook url, hint: [test]')
    if (r.silent) return void this.held.push(req)
    if (this.over(r, [{ max: 20, perMs: 60_000 }]))
      return answer(45009, 'api freq out of limit, hint: [test]')
    const md = body.markdown as { content?: unknown } | undefined
    if (body.msgtype !== 'markdown' || typeof md?.content !== 'string' || !md.content) {
      this.violations.push(`wecom: not a markdown message: ${raw.slice(0, 120)}`)
      return answer(40008, 'invalid message type')
    }
    if (Buffer.byteLength(md.content, 'utf8') > 4096) {
      this.violations.push(`wecom: ${Buffer.byteLength(md.content, 'utf8')} bytes of markdown`)
      return answer(40058, 'markdown.content exceed max length 4096. invalid Request Parameter')
    }
    return answer(0, 'ok')
  }

  private dingtalk(url: URL, body: Record<string, unknown>, req: IncomingMessage) {
    const token = url.searchParams.get('access_token') ?? ''
    const r = this.robots.get(`dingtalk/${token}`)
    const answer = (errcode: number, errmsg: string) => {
      this.record('dingtalk', token, body, errcode)
      return { status: 200, json: { errcode, errmsg } }
    }
    if (!r) return answer(300001, 'token is not exist')
    if (r.silent) return void this.held.push(req)
    if (r.secret) {
      const timestamp = Number(url.searchParams.get('timestamp'))
      const sign = url.searchParams.get('sign') ?? ''
      if (!Number.isFinite(timestamp) || Math.abs(this.clock.now() - timestamp) > 3_600_000)
        return answer(310000, 'invalid timestamp')
      const want = createHmac('sha256', r.secret).update(`${timestamp}\n${r.secret}`).digest('base64')
      if (sign !== want) return answer(310000, 'sign not match')
    }
    const now = this.clock.now()
    if (now < r.lockedUntil) return answer(130101, 'send too fast, exceed 20 times per minute')
    if (this.over(r, [{ max: 20, perMs: 60_000 }])) {
      r.lockedUntil = now + 10 * 60_000
      return answer(130101, 'send too fast, exceed 20 times per minute')
    }
    const md = body.markdown as { title?: unknown; text?: unknown } | undefined
    if (
      body.msgtype !== 'markdown' ||
      typeof md?.title !== 'string' ||
      typeof md.text !== 'string' ||
      !md.text
    )
      this.violations.push(`dingtalk: not a markdown message with a title and a text`)
    const at = (body.at ?? {}) as { atMobiles?: string[]; atUserIds?: string[] }
    for (const who of [...(at.atMobiles ?? []), ...(at.atUserIds ?? [])])
      if (typeof md?.text !== 'string' || !md.text.includes(`@${who}`))
        this.violations.push(`dingtalk: ${who} is in "at" but not written as @${who} in the text`)
    return answer(0, 'ok')
  }

  private feishu(id: string, body: Record<string, unknown>, raw: string, req: IncomingMessage) {
    const r = this.robots.get(`feishu/${id}`)
    const answer = (code: number, msg: string, status = 200) => {
      this.record('feishu', id, body, code)
      return { status, json: { code, msg, data: {} } }
    }
    // An unknown hook, as Feishu words it (its code is not documented; only the message matters here).
    if (!r) return answer(19001, 'param invalid: incoming webhook access token invalid', 400)
    if (r.silent) return void this.held.push(req)
    if (Buffer.byteLength(raw, 'utf8') > FEISHU_MAX_BODY) {
      this.violations.push(`feishu: a body of ${Buffer.byteLength(raw, 'utf8')} bytes`)
      return answer(9499, 'Bad Request', 400)
    }
    if (r.secret) {
      const timestamp = Number(body.timestamp)
      const want = createHmac('sha256', `${timestamp}\n${r.secret}`).update('').digest('base64')
      if (
        !Number.isFinite(timestamp) ||
        Math.abs(this.clock.now() / 1000 - timestamp) > 3600 ||
        body.sign !== want
      )
        return answer(19021, 'sign match fail or timestamp is not within one hour from current time')
    }
    const now = this.clock.now()
    r.arrivals.push(now)
    const within = (ms: number) => r.arrivals.filter((t) => t > now - ms).length
    if (within(1000) > 5) return answer(9499, 'too many request', 400)
    if (within(60_000) > 100) return answer(11232, 'frequency limited psm[lark.oapi.app_platform_runtime]')
    const card = body.card as { header?: { title?: { content?: unknown } }; elements?: unknown[] } | undefined
    if (
      body.msg_type !== 'interactive' ||
      typeof card?.header?.title?.content !== 'string' ||
      !card.elements?.length
    )
      this.violations.push('feishu: not an interactive card with a title and elements')
    return answer(0, 'success')
  }
}

/** The links to incident pages in a message, and their tokens. */
export function linksIn(body: unknown): string[] {
  return [...JSON.stringify(body).matchAll(/https?:\/\/[^\s"()\\]+\/i\/([A-Za-z0-9_.-]+)/g)].map((m) => m[1]!)
}
