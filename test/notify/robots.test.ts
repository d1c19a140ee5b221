/**
 * The group robots against local stand-ins of WeCom, DingTalk and Feishu that check each
 * platform's documented body, signature and limits and answer with its documented error codes
 * (test/helpers/robots.ts): the format and @-mentions of one incident, signed links, a platform's
 * rate-limit lock, a storm of 200 incidents in a minute, a dead webhook beside them, and history
 * caught up on. Time is a hand-moved clock; a test waits for events (a request arriving), never
 * for the wall clock.
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Severity } from '../../core/alert.js'
import { LinkSigner } from '../../core/links.js'
import { Dispatcher, defaultChannels, linkMaker } from '../../notify/index.js'
import type { Verdict } from '../../rules/index.js'
import { alerting } from '../helpers/alerting.js'
import { ManualClock } from '../helpers/clock.js'
import { testLog } from '../helpers/log.js'
import { waitFor } from '../helpers/ports.js'
import { linksIn, type Platform, type RobotHit, RobotPlatforms } from '../helpers/robots.js'

/** A Wednesday, 09:00 in Shanghai. */
const T0 = Date.parse('2026-11-18T09:00:00+08:00')
const PUBLIC_URL = 'https://energy.district.example'
const DINGTALK_SECRET = 'SECc0ffee-dingtalk-signing-secret'
const FEISHU_SECRET = 'feishu-signing-secret'
const signer = new LinkSigner(Buffer.alloc(32, 7))

let clock = new ManualClock(T0)
const robots = new RobotPlatforms({ now: () => clock.now() })
let silent: Server
let silentUrl: string
const held: IncomingMessage[] = []

beforeAll(async () => {
  await robots.start()
  // A webhook that takes every request and never answers.
  silent = createServer((req) => void held.push(req))
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
  silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}/hook`
})
afterAll(async () => {
  await robots.stop()
  silent.closeAllConnections()
  await new Promise<void>((r) => silent.close(() => r()))
})

let robotSeq = 0
/** One robot of each platform (and one more each for an English-speaking group when `en`). */
function newRobots(en = false) {
  const n = ++robotSeq
  const ids = { wecom: `wk-${n}`, dingtalk: `dt-${n}`, feishu: `fs-${n}` }
  const urls = {
    wecom: robots.add('wecom', ids.wecom),
    dingtalk: robots.add('dingtalk', ids.dingtalk, { secret: DINGTALK_SECRET }),
    feishu: robots.add('feishu', ids.feishu, { secret: FEISHU_SECRET }),
  }
  const enIds = { wecom: `wk-${n}-en`, dingtalk: `dt-${n}-en`, feishu: `fs-${n}-en` }
  const enUrls = en
    ? {
        wecom: robots.add('wecom', enIds.wecom),
        dingtalk: robots.add('dingtalk', enIds.dingtalk, { secret: DINGTALK_SECRET }),
        feishu: robots.add('feishu', enIds.feishu, { secret: FEISHU_SECRET }),
      }
    : undefined
  // The Feishu robot's address and both secrets come from the environment, as in production.
  const env = {
    DINGTALK_ROBOT_SECRET: DINGTALK_SECRET,
    FEISHU_ROBOT_URL: urls.feishu,
    FEISHU_ROBOT_SECRET: FEISHU_SECRET,
  }
  const channels: Record<string, unknown[]> = {
    wecom: [{ name: '宿管维修群', url: urls.wecom }],
    dingtalk: [{ name: '宿管维修群', url: urls.dingtalk, secretEnv: 'DINGTALK_ROBOT_SECRET' }],
    feishu: [{ name: '宿管维修群', urlEnv: 'FEISHU_ROBOT_URL', secretEnv: 'FEISHU_ROBOT_SECRET' }],
  }
  if (enUrls) {
    channels.wecom!.push({ name: 'Facilities (English)', url: enUrls.wecom, locale: 'en' })
    channels.dingtalk!.push({
      name: 'Facilities (English)',
      url: enUrls.dingtalk,
      secret: DINGTALK_SECRET,
      locale: 'en',
    })
    channels.feishu!.push({
      name: 'Facilities (English)',
      url: enUrls.feishu,
      secret: FEISHU_SECRET,
      locale: 'en',
    })
  }
  return { ids, enIds, env, channels }
}

/** A boarding school with `rooms` dorm rooms on sub-meters, and who looks after it. */
function district(
  rooms: number,
  channels: Record<string, unknown[]>,
  extra: Record<string, unknown> = {},
): string {
  const spaces = Array.from({ length: rooms }, (_, i) => ({
    id: `r${101 + i}`,
    name: `${101 + i} 室`,
    use: 'dorm_room',
    appliancePolicy: 'restricted',
  }))
  const meters = spaces.map((s) => ({
    id: `E-${s.id}`,
    kind: 'electricity',
    space: s.id,
    maxPowerKw: 8,
    intervalSeconds: 10,
  }))
  return JSON.stringify({
    schools: [
      {
        id: 'sunshine',
        name: '阳光中学',
        timezone: 'Asia/Shanghai',
        calendar: { terms: [{ start: '2026-09-01', end: '2027-01-22' }] },
        notifications: {
          contacts: {
            facilities: [
              {
                name: '王师傅',
                email: 'wang@sunshine.example',
                phone: '13800138000',
                ids: {
                  wecom: 'wangshifu',
                  dingtalk: 'wang01',
                  feishu: 'ou_7d8a6e6df7621556ce0d21922b676706',
                },
              },
              // On duty on school days in the daytime only; DingTalk reaches her by her number.
              {
                name: '李老师',
                email: 'li@sunshine.example',
                phone: '139 0013 9000',
                onDuty: Object.fromEntries(
                  ['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, ['08:00-17:00']]),
                ),
              },
            ],
          },
          channels,
          ...extra,
        },
        buildings: [{ id: 'dorm', name: '学生宿舍', use: 'dormitory', spaces, meters }],
      },
    ],
  })
}

/** A dorm-room appliance verdict, as the rule words it. */
function appliance(room: string, severity: Severity, watts = 2000): Extract<Verdict, { active: true }> {
  return {
    active: true,
    severity,
    message: {
      key: 'rule.electricity.appliance',
      params: { resistive: true, watts, place: `${room} 室`, minutes: 3, heater: false },
    },
    evidence: { powerW: watts, stepW: watts },
  }
}

async function setUp(config: string, env: Record<string, string>, o: { links?: boolean } = {}) {
  const h = await alerting(config, { now: () => clock.now(), env, email: false })
  const d = new Dispatcher({
    store: h.store,
    registry: h.registry,
    channels: defaultChannels({ env, publish: async () => {} }),
    log: testLog,
    clock,
    ...(o.links === false ? {} : { link: linkMaker(PUBLIC_URL, signer) }),
  })
  // As the service wires it: a committed transition wakes the dispatcher, which also polls each second.
  h.alerts.onTransition = () => d.wake()
  d.start()
  const raise = (room: string, severity: Severity, at = clock.now()) =>
    h.alerts.raise(
      'electricity.high_power_appliance',
      h.registry.meters.get(`E-r${room}`)!,
      appliance(room, severity),
      at,
    )
  return { h, d, raise }
}

const text = (hit: RobotHit): string =>
  hit.platform === 'wecom'
    ? (hit.body.markdown as { content: string }).content
    : hit.platform === 'dingtalk'
      ? (hit.body.markdown as { text: string }).text
      : JSON.stringify(hit.body.card)

/** The incidents a message links to, from its signed links. */
const incidentsIn = (hit: RobotHit): number[] =>
  linksIn(hit.body).map((token) => signer.verify(token, clock.now())!.incident)

describe('group robots', () => {
  it('WeCom, DingTalk and Feishu get an incident in their own format, signed, the on-duty people @-mentioned', async () => {
    clock = new ManualClock(T0)
    const r = newRobots(true)
    const { h, d, raise } = await setUp(district(3, r.channels), r.env)
    const a = await raise('101', 'critical')
    await d.drain()
    expect(robots.violations).toEqual([])
    const [wecom] = robots.accepted('wecom', r.ids.wecom)
    const [dingtalk] = robots.accepted('dingtalk', r.ids.dingtalk)
    const [feishu] = robots.accepted('feishu', r.ids.feishu)
    // WeCom: markdown, mentions written <@userid>; Li has no WeCom id and is named.
    expect(wecom!.body.msgtype).toBe('markdown')
    const md = text(wecom!)
    expect(md).toContain('### 🔴 <font color="warning">新故障 · 严重</font>')
    expect(md).toContain('**阳光中学 · 学生宿舍 · 101 室**')
    expect(md).toContain('101 室有一台约 2,000 瓦的电阻性电器在使用，已 3 分钟')
    expect(md).toContain('值班：<@wangshifu>、李老师')
    expect(md).toMatch(/\[打开处理 · 一键认领\]\(https:\/\/energy\.district\.example\/i\/[\w.-]+\)/)
    // DingTalk: signed (the stand-in checked it: code 0), markdown with a title, @ by user id and by phone.
    expect(dingtalk!.body).toMatchObject({
      msgtype: 'markdown',
      markdown: { title: '🔴 新故障 · 严重 阳光中学' },
      at: { atUserIds: ['wang01'], atMobiles: ['13900139000'], isAtAll: false },
    })
    expect(text(dingtalk!)).toContain('值班：@wang01、@13900139000')
    // Feishu: an interactive card, red for critical, a button to the incident's page.
    const card = feishu!.body.card as {
      header: { title: { content: string }; template: string }
      elements: { tag: string }[]
    }
    expect(feishu!.body.msg_type).toBe('interactive')
    expect(card.header).toEqual({
      title: { tag: 'plain_text', content: '🔴 新故障 · 严重 · 阳光中学' },
      template: 'red',
    })
    expect(card.elements.map((e) => e.tag)).toEqual(['markdown', 'markdown', 'markdown', 'action'])
    expect(text(feishu!)).toContain('<at id=ou_7d8a6e6df7621556ce0d21922b676706></at>')
    // Each link opens exactly this incident, signed for the group (two people on duty share it), for a week.
    for (const hit of [wecom!, dingtalk!, feishu!]) {
      const [token] = linksIn(hit.body)
      expect(signer.verify(token!, clock.now())).toEqual({
        incident: a.incident,
        to: '宿管维修群',
        exp: Math.floor((T0 + 7 * 86_400_000) / 1000),
      })
    }
    // The English-speaking group reads it in English.
    const en = text(robots.accepted('wecom', r.enIds.wecom)[0]!)
    expect(en).toContain('New fault · Critical')
    expect(en).toContain('A resistive appliance of about 2,000 W in 101 室, on for 3 min')
    expect(en).toContain('On duty: <@wangshifu>, 李老师')
    expect(text(robots.accepted('feishu', r.enIds.feishu)[0]!)).toContain('Open it · take it on with one tap')

    // At 20:00 Li is off duty: only Wang is called, and the link is signed for him.
    await clock.advance(11 * 3_600_000, () => d.idle())
    const b = await raise('102', 'warning')
    await d.drain()
    const night = robots.accepted('dingtalk', r.ids.dingtalk).at(-1)!
    expect(night.body.at).toEqual({ atUserIds: ['wang01'], atMobiles: [], isAtAll: false })
    expect(signer.verify(linksIn(night.body)[0]!, clock.now())).toMatchObject({
      incident: b.incident,
      to: '王师傅',
    })
    expect(
      (robots.accepted('feishu', r.ids.feishu).at(-1)!.body.card as { header: { template: string } }).header
        .template,
    ).toBe('orange')
    // Taken on: the groups that heard of it hear who took it on.
    await h.alerts.acknowledgeIncident(b.incident!, '王师傅')
    await d.drain()
    expect(text(robots.accepted('wecom', r.ids.wecom).at(-1)!)).toContain('王师傅 已认领')
    expect(robots.violations).toEqual([])
    await h.stop()
  })

  it('without PUBLIC_URL, a message says how to get a link, and prints no path', async () => {
    clock = new ManualClock(T0)
    const r = newRobots()
    const { h, d, raise } = await setUp(district(1, r.channels), r.env, { links: false })
    await raise('101', 'warning')
    await d.drain()
    for (const p of ['wecom', 'dingtalk', 'feishu'] as Platform[]) {
      const body = text(robots.accepted(p, r.ids[p])[0]!)
      expect(body).toContain('请管理员把 PUBLIC_URL 设为大家访问 schoolmeter 的地址')
      expect(body).not.toMatch(/\/api\/v1|\/i\//)
    }
    await h.stop()
  })

  it("a platform's rate-limit lock pauses that robot's queue only, for as long as the platform says; nothing is lost", async () => {
    clock = new ManualClock(T0)
    const r = newRobots()
    const { h, d, raise } = await setUp(district(1, r.channels), r.env)
    // Another system used up this minute of both robots.
    robots.use('dingtalk', r.ids.dingtalk, 20)
    robots.use('wecom', r.ids.wecom, 20)
    await raise('101', 'critical')
    await d.drain()
    const codes = (p: Platform) =>
      robots.hits.filter((x) => x.platform === p && x.robot === r.ids[p]).map((x) => x.code)
    expect(codes('dingtalk')).toEqual([130101])
    expect(codes('wecom')).toEqual([45009])
    expect(codes('feishu')).toEqual([0])
    // WeCom blocks for a minute, DingTalk locks the robot for ten; each queue waits that long, once.
    await clock.advance(61_000, () => d.idle())
    expect(codes('wecom')).toEqual([45009, 0])
    expect(codes('dingtalk')).toEqual([130101])
    await clock.advance(9 * 60_000, () => d.idle())
    expect(codes('dingtalk')).toEqual([130101, 0])
    const rows = (await h.store.outbox.all()).filter((x) => x.channel !== 'mqtt')
    expect(rows.map((x) => [x.channel, x.attempts, x.outcome])).toEqual([
      ['wecom', 2, 'sent'],
      ['dingtalk', 2, 'sent'],
      ['feishu', 1, 'sent'],
    ])
    await h.stop()
  })

  it('200 incidents in one minute reach each robot as summaries within its limits, critical first, none lost', async () => {
    clock = new ManualClock(T0)
    const r = newRobots()
    const { h, d, raise } = await setUp(district(200, r.channels), r.env)
    const committed = new Map<number, { at: number; severity: Severity }>()
    for (let i = 0; i < 200; i++) {
      const severity: Severity = i % 10 === 3 ? 'critical' : i % 3 === 0 ? 'info' : 'warning'
      const a = await raise(String(101 + i), severity)
      committed.set(a.incident!, { at: clock.now(), severity })
      await clock.advance(300, () => d.idle())
    }
    // Until every queue is empty: at most the platforms' own pace.
    for (let m = 0; m < 15 && (await h.store.outbox.pending()) > 0; m++)
      await clock.advance(60_000, () => d.idle())
    expect(await h.store.outbox.pending()).toBe(0)
    expect((await h.store.outbox.all()).filter((x) => x.failedAt !== undefined)).toEqual([])
    expect(robots.violations).toEqual([])
    const figures: string[] = []
    for (const p of ['wecom', 'dingtalk', 'feishu'] as Platform[]) {
      const hits = robots.hits.filter((x) => x.platform === p && x.robot === r.ids[p])
      // The platform never had to refuse one: no 45009, 130101, 9499 or 11232.
      expect(hits.map((x) => x.code).filter((c) => c !== 0)).toEqual([])
      const times = hits.map((x) => x.at)
      const most = (ms: number) =>
        Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + ms).length))
      expect(most(60_000)).toBeLessThanOrEqual(p === 'feishu' ? 100 : 20)
      if (p === 'feishu') expect(most(1000)).toBeLessThanOrEqual(5)
      // Every incident reached the group; each once.
      const seen = hits.flatMap(incidentsIn)
      expect(new Set(seen).size).toBe(200)
      expect(seen.length).toBe(200)
      // Critical first: in each message critical lines lead, and they wait less than the rest.
      for (const hit of hits) {
        const sev = incidentsIn(hit).map((i) => committed.get(i)!.severity)
        expect(sev.slice(0, sev.lastIndexOf('critical') + 1).every((s) => s === 'critical')).toBe(true)
      }
      const waited = (crit: boolean) =>
        hits
          .flatMap((x) => incidentsIn(x).map((i) => ({ i, at: x.at })))
          .filter(({ i }) => (committed.get(i)!.severity === 'critical') === crit)
          .map(({ i, at }) => at - committed.get(i)!.at)
          .sort((a, b) => a - b)
      const crit = waited(true)
      const rest = waited(false)
      const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!
      expect(median(crit)).toBeLessThan(median(rest))
      expect(Math.max(...crit)).toBeLessThanOrEqual(60_000)
      figures.push(
        `${p}: ${hits.length} messages (${hits.filter((x) => incidentsIn(x).length > 1).length} summaries), at most ${most(60_000)} in a minute` +
          `${p === 'feishu' ? ` and ${most(1000)} in a second` : ''}; critical waited median ${median(crit) / 1000} s, max ${Math.max(...crit) / 1000} s; ` +
          `others median ${median(rest) / 1000} s, max ${Math.max(...rest) / 1000} s; last at ${(Math.max(...times) - T0) / 1000} s`,
      )
    }
    console.log(`200 incidents in 60 s:\n  ${figures.join('\n  ')}`)
    await h.stop()
  })

  it('a webhook that never answers delays no other channel: they hear at once while it hangs', async () => {
    clock = new ManualClock(T0)
    const r = newRobots()
    const { h, d, raise } = await setUp(district(2, r.channels, { webhooks: [{ url: silentUrl }] }), r.env)
    const arrived = (n: number) =>
      new Promise<void>((resolve) => {
        const seen = () => robots.hits.filter((x) => Object.values(r.ids).includes(x.robot)).length >= n
        if (seen()) return resolve()
        const on = () => {
          if (!seen()) return
          robots.off('hit', on)
          resolve()
        }
        robots.on('hit', on)
      })
    const hung = once(silent, 'request')
    const wall = performance.now()
    const first = await raise('101', 'critical')
    await Promise.all([hung, arrived(3)])
    const wallMs = performance.now() - wall
    // The webhook holds its request unanswered; each robot was told at the instant of the transition.
    expect(held).toHaveLength(1)
    const delays = robots.hits.filter((x) => Object.values(r.ids).includes(x.robot)).map((x) => x.at - T0)
    expect(delays).toEqual([0, 0, 0])
    // A second incident two seconds later, the webhook still hanging: told at once again.
    await clock.advance(2000)
    await raise('102', 'warning')
    await arrived(6)
    expect(robots.hits.filter((x) => Object.values(r.ids).includes(x.robot)).map((x) => x.at - T0)).toEqual([
      0, 0, 0, 2000, 2000, 2000,
    ])
    // After 10 s without an answer the webhook's send fails and is retried later; nothing was lost.
    // (Its queue then sends the second incident, which hangs in turn: nothing waits for it here.)
    await clock.advance(8001)
    // The failure is recorded in the outbox as soon as the store has written it.
    const hook = await waitFor('the webhook failure recorded', async () =>
      (await h.store.outbox.all()).find(
        (x) => x.channel === 'webhook' && x.incidentEventId !== null && x.attempts > 0,
      ),
    )
    expect(hook).toMatchObject({ attempts: 1, lastError: 'no answer within 10 s' })
    expect(hook.sentAt).toBeUndefined()
    expect(first.incident).toBeDefined()
    console.log(
      `dead webhook: the robots had the incident ${Math.max(...delays)} ms after it (service clock); ${wallMs.toFixed(0)} ms of wall time for the three requests`,
    )
    await d.stop()
    await h.stop()
  })

  it('incidents that opened and cleared while history was caught up on go out as one summary; open ones alone', async () => {
    clock = new ManualClock(T0)
    const r = newRobots()
    const { h, d, raise } = await setUp(district(4, r.channels), r.env)
    const school = h.registry.schools.get('sunshine')!
    // A gateway uploads a day and a half it had buffered: the service's clock stands at T0 meanwhile.
    const past = T0 - 36 * 3_600_000
    const cleared = await raise('101', 'critical', past)
    await h.alerts.clear(
      'electricity.high_power_appliance',
      h.registry.meters.get('E-r101')!,
      past + 20 * 60_000,
    )
    const cleared2 = await raise('102', 'warning', past + 3_600_000)
    await h.alerts.clear(
      'electricity.high_power_appliance',
      h.registry.meters.get('E-r102')!,
      past + 2 * 3_600_000,
    )
    await h.alerts.closeQuiet(school.id, past + 10 * 3_600_000)
    const open = await raise('103', 'warning', T0 - 10 * 60_000 - 20 * 60_000)
    await d.drain()
    // Held while it settles: nothing yet.
    expect(robots.hits.filter((x) => x.robot === r.ids.wecom)).toEqual([])
    await clock.advance(2 * 60_000, () => d.idle())
    const wecom = robots.accepted('wecom', r.ids.wecom)
    expect(wecom).toHaveLength(2)
    const [single, summary] = [
      wecom.find((x) => incidentsIn(x).length === 1 && !text(x).includes('补录'))!,
      wecom.find((x) => text(x).includes('补录'))!,
    ]
    expect(text(single)).toContain('新故障 · 警告')
    expect(incidentsIn(single)).toEqual([open.incident])
    expect(text(summary)).toContain('补录历史数据期间，有 2 起故障发生后已自行恢复')
    expect(incidentsIn(summary).sort()).toEqual([cleared.incident, cleared2.incident].sort())
    const outcomes = (await h.store.outbox.all()).filter((x) => x.channel === 'wecom').map((x) => x.outcome)
    expect(outcomes.sort()).toEqual(['digest', 'digest', 'digest', 'digest', 'sent'])
    await h.stop()
  })
})
