/**
 * Notifications through the durable outbox, against real receivers: an HTTP server for webhooks
 * (HMAC-checked), a real SMTP server (the smtp-server package) for e-mail. Time is a hand-moved
 * clock: retries and digests are waited for by moving it, never by sleeping.
 */
import { createHmac } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Channel, Dispatcher, defaultChannels } from '../../notify/index.js'
import { alerting, GOLDEN_CONFIG, MIN, series } from '../helpers/alerting.js'
import { ManualClock } from '../helpers/clock.js'
import { testLog } from '../helpers/log.js'
import { smtpSink } from '../helpers/mail.js'

const MON = Date.parse('2026-11-16T00:00:00+08:00')

interface Hit {
  headers: IncomingMessage['headers']
  body: string
}
let http: Server
let hookUrl: string
const hits: Hit[] = []
let failNext = 0

let smtp: Awaited<ReturnType<typeof smtpSink>>
let smtpUrl: string
let mails: Awaited<ReturnType<typeof smtpSink>>['mails']

beforeAll(async () => {
  http = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      if (failNext > 0) {
        failNext--
        res.writeHead(503).end()
        return
      }
      hits.push({ headers: req.headers, body })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
  hookUrl = `http://127.0.0.1:${(http.address() as { port: number }).port}/hook`
  smtp = await smtpSink()
  smtpUrl = smtp.url
  mails = smtp.mails
})
afterAll(async () => {
  await new Promise<void>((r) => http.close(() => r()))
  await smtp.close()
})

const config = () =>
  GOLDEN_CONFIG.replace(
    '    notifications:\n      contacts:',
    `    notifications:\n      webhooks: [{ url: "${hookUrl}", secret: s3cret, rules: [water.*] }]\n      contacts:`,
  )

type Harness = Awaited<ReturnType<typeof alerting>>

/** A burst at W1, its alert changes written. */
async function burst(h: Harness) {
  let reg = 50
  h.feed(
    'W1',
    series(MON + 9 * 3_600_000, MIN, 40, () => ({
      volume_m3: Math.round((reg += 0.02) * 1e5) / 1e5,
      flow_lpm: 20,
    })),
  )
  await h.settled()
}

/** The service's channels, MQTT recorded in `mqtt`, e-mail to the test's SMTP server. */
function channels(mqtt: string[] = []): Channel[] {
  return defaultChannels({
    env: {},
    publish: async (t, p) => void mqtt.push(`${t} ${p}`),
    smtp: { smtpUrl, from: 'schoolmeter <sm@test>' },
  })
}

function dispatcher(h: Harness, clock: ManualClock, mqtt: string[] = []) {
  return new Dispatcher({
    store: h.store,
    registry: h.registry,
    channels: channels(mqtt),
    log: testLog,
    clock,
  })
}

describe('notifications', () => {
  it('a burst reaches the webhook (signed) and the maintenance e-mail as one incident, once each', async () => {
    hits.length = 0
    mails.length = 0
    // Live: the service's clock is where the readings are.
    const clock = new ManualClock(MON + 9 * 3_600_000)
    const h = await alerting(config(), { now: () => clock.now() })
    const mqtt: string[] = []
    const d = dispatcher(h, clock, mqtt)
    await burst(h)
    await d.drain()
    const [a] = await h.list('water.burst')
    const hook = hits.find((x) => JSON.parse(x.body).incident.rule === 'water.burst')!
    expect(hook.headers['x-schoolmeter-event']).toBe('incident.opened')
    expect(hook.headers['x-schoolmeter-signature']).toBe(
      `sha256=${createHmac('sha256', 's3cret').update(hook.body).digest('hex')}`,
    )
    expect(JSON.parse(hook.body).incident).toMatchObject({
      id: a!.incident,
      rule: 'water.burst',
      severity: 'critical',
      status: 'open',
      openedAt: expect.stringMatching(/\+08:00$/),
    })
    // A send is done when the SMTP server has taken the message: it is here by now.
    expect(mails).toHaveLength(1)
    expect(mails[0]).toMatchObject({
      to: 'fix@golden.example',
      // The school speaks the district's language, zh-CN by default.
      subject: expect.stringMatching(/^【严重】Golden School：main的W1疑似爆管：流量 20 升\/分钟/),
      messageId: `<outbox-${(await h.store.outbox.all()).find((r) => r.channel === 'email')!.id}@schoolmeter>`,
    })
    expect(mails[0]!.text).toContain('thresholdLpm：13.33')
    // Without PUBLIC_URL, no path to copy: a sentence saying how to get a link.
    expect(mails[0]!.text).toContain('请管理员把 PUBLIC_URL 设为大家访问 schoolmeter 的地址')
    expect(mails[0]!.text).not.toContain('/api/v1/')
    expect(
      mqtt.some((m) => m.startsWith('schools/golden/alerts {') && m.includes('"transition":"opened"')),
    ).toBe(true)
    // Nothing goes twice.
    const before = hits.length
    await d.drain()
    expect(hits.length).toBe(before)
    expect(await h.store.outbox.pending()).toBe(0)
    await h.stop()
  })

  it('a webhook that fails is retried with backoff until it answers', async () => {
    hits.length = 0
    const clock = new ManualClock(Date.now())
    const h = await alerting(config(), { email: false, now: () => clock.now() })
    const d = dispatcher(h, clock)
    failNext = 2
    await burst(h)
    await d.drain()
    expect(hits).toHaveLength(0)
    const row = (await h.store.outbox.all()).find((r) => r.channel === 'webhook')!
    expect(row).toMatchObject({ attempts: 1, lastError: 'webhook answered 503' })
    await clock.advance(5_000)
    await d.drain()
    expect((await h.store.outbox.all()).find((r) => r.id === row.id)).toMatchObject({ attempts: 2 })
    await clock.advance(4_000) // the second retry waits 10 s
    await d.drain()
    expect(hits).toHaveLength(0)
    await clock.advance(6_000)
    await d.drain()
    expect(hits.filter((x) => JSON.parse(x.body).incident.rule === 'water.burst')).toHaveLength(1)
    expect((await h.store.outbox.all()).find((r) => r.id === row.id)!.sentAt).toBeDefined()
    await h.stop()
  })

  it('what was not sent before a restart is sent after it, once', async () => {
    hits.length = 0
    const { mkdtempSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dataDir = mkdtempSync(join(tmpdir(), 'schoolmeter-outbox-'))
    const first = await alerting(config(), { dataDir, email: false })
    await burst(first) // transitions are in the outbox; the process "dies" before dispatching
    expect(await first.store.outbox.pending()).toBeGreaterThan(0)
    await first.stop()
    const second = await alerting(config(), { dataDir, email: false })
    const d = dispatcher(second, new ManualClock(Date.now()))
    await d.drain()
    await d.drain()
    expect(hits.filter((x) => JSON.parse(x.body).incident.rule === 'water.burst')).toHaveLength(1)
    await second.stop()
    const third = await alerting(config(), { dataDir, email: false })
    await dispatcher(third, new ManualClock(Date.now())).drain()
    expect(hits.filter((x) => JSON.parse(x.body).incident.rule === 'water.burst')).toHaveLength(1)
    await third.stop()
  })

  it('waste alerts can wait for the daily digest: one e-mail with all of them', async () => {
    mails.length = 0
    const clock = new ManualClock(Date.parse('2026-11-21T10:00:00+08:00'))
    const withDigest = GOLDEN_CONFIG.replace(
      '    notifications:\n',
      '    notifications:\n      digest: { at: "07:30" }\n',
    ).replace(
      '      - id: dorm\n',
      '      - id: gym\n        use: gym\n        meters:\n          - { id: H2, kind: heat, maxPowerKw: 200, intervalSeconds: 300 }\n      - id: dorm\n',
    )
    const h = await alerting(withDigest, { now: () => clock.now() })
    const d = dispatcher(h, clock)
    // Heating left on on a Saturday in two buildings: heat.unoccupied_heating on the main block's
    // circuit and its room sensor (one fault, one incident) and on the gym's circuit (another).
    const sat = Date.parse('2026-11-21T08:00:00+08:00')
    let kwh = 100
    for (let t = sat; t < sat + 3 * 3_600_000; t += 5 * MIN) {
      h.feed('T-OUT', [{ ts: t, temp_c: 9 }])
      h.feed('T-ROOM', [{ ts: t, temp_c: 21 }])
      h.feed('H1', [
        {
          ts: t,
          energy_kwh: Math.round((kwh += 5) * 100) / 100,
          power_kw: 60,
          supply_c: 55,
          return_c: 42,
          flow_m3h: 4,
        },
      ])
      h.feed('H2', [
        { ts: t, energy_kwh: Math.round(kwh * 10) / 100, power_kw: 20, supply_c: 50, return_c: 40 },
      ])
    }
    const raised = await h.list('heat.unoccupied_heating')
    expect(raised).toHaveLength(3)
    expect(new Set(raised.map((a) => a.incident)).size).toBe(2)
    await d.drain()
    expect(mails).toHaveLength(0)
    const digest = (await h.store.outbox.all()).filter((r) => r.channel === 'digest')
    expect(digest.map((r) => r.dueAt)).toEqual([
      Date.parse('2026-11-22T07:30:00+08:00'),
      Date.parse('2026-11-22T07:30:00+08:00'),
    ])
    await clock.jump(Date.parse('2026-11-22T07:31:00+08:00') - clock.now())
    await d.drain()
    expect(mails).toHaveLength(1)
    expect(mails[0]).toMatchObject({ to: 'fm@golden.example', subject: '每日汇总：2 起能耗浪费' })
    expect((await h.store.outbox.all()).filter((r) => r.channel === 'digest').map((r) => r.outcome)).toEqual([
      'digest',
      'digest',
    ])
    await h.stop()
  })

  it('rows written by an older version (finished messages) still go out as they were written', async () => {
    mails.length = 0
    const clock = new ManualClock(Date.now())
    const h = await alerting(config(), { now: () => clock.now() })
    const d = dispatcher(h, clock)
    const old = { subject: 'Daily digest: 1 waste alert', text: 'Heating left on in the gym.' }
    for (const channel of ['email', 'digest'])
      await h.store.outbox.enqueueMessage(
        `before-${channel}`,
        channel,
        'fm@golden.example',
        JSON.stringify(old),
        clock.now(),
        clock.now(),
      )
    await d.drain()
    expect(mails.map((m) => [m.to, m.subject, m.text.trim()])).toEqual([
      ['fm@golden.example', old.subject, old.text],
      ['fm@golden.example', old.subject, old.text],
    ])
    expect(await h.store.outbox.pending()).toBe(0)
    await h.stop()
  })
})
