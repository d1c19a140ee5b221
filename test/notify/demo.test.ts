/**
 * The demo district end to end, in zh-CN and in English: its last 48 hours caught up on as
 * `npm start` does, then live, through the real decoder, rules, alert manager, router and
 * dispatcher, to local WeCom, DingTalk and Feishu stand-ins and a real SMTP server. The canteen's
 * dripping tap (open since history) and the kettle in a dorm room (live) reach every group and
 * person in their language; incidents that opened and cleared in the history arrive as one
 * summary. Run with CAPTURE=1 to print what each platform received.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { DEMO_CONFIG_PATH } from '../../core/config/load.js'
import { render } from '../../core/i18n/index.js'
import { LinkSigner } from '../../core/links.js'
import { Dispatcher, defaultChannels, linkMaker } from '../../notify/index.js'
import { createSimulation, generate, scenarioFile } from '../../simulator/index.js'
import { alerting } from '../helpers/alerting.js'
import { ManualClock } from '../helpers/clock.js'
import { testLog } from '../helpers/log.js'
import { smtpSink } from '../helpers/mail.js'
import { linksIn, type Platform, type RobotHit, RobotPlatforms } from '../helpers/robots.js'

/** A Wednesday morning in term and in the heating season. */
const T0 = Date.parse('2026-11-25T10:00:00+08:00')
const HOUR = 3_600_000
const SECRET = 'SECdemo-robot-signing-secret'
const signer = new LinkSigner(Buffer.alloc(32, 9))

let clock = new ManualClock(T0)
const robots = new RobotPlatforms({ now: () => clock.now() })
let smtp: Awaited<ReturnType<typeof smtpSink>>

beforeAll(async () => {
  await robots.start()
  smtp = await smtpSink()
})
afterAll(async () => {
  await robots.stop()
  await smtp.close()
})

function demoWithPeople(): string {
  const demo = parseYaml(readFileSync(DEMO_CONFIG_PATH, 'utf8')) as { defaults: Record<string, unknown> }
  const group = (platform: Platform, locale?: 'en') => {
    const id = `demo-${platform}${locale ? '-en' : ''}`
    const url = robots.add(platform, id, platform === 'wecom' ? {} : { secret: SECRET })
    return {
      name: locale ? 'Logistics office (English)' : '后勤维修群',
      url,
      ...(platform === 'wecom' ? {} : { secret: SECRET }),
      ...(locale ? { locale } : {}),
    }
  }
  demo.defaults.notifications = {
    contacts: {
      maintenance: [
        {
          name: '王师傅',
          email: 'wang@demo.example',
          phone: '13800138000',
          ids: { wecom: 'wangshifu', dingtalk: 'wang01', feishu: 'ou_7d8a6e6df7621556ce0d21922b676706' },
        },
        { name: 'Li Wei', locale: 'en', email: 'li.wei@demo.example', phone: '13900139000' },
      ],
      facilities: [
        { name: '赵主任', email: 'zhao@demo.example', ids: { wecom: 'zhaozhuren', dingtalk: 'zhao01' } },
      ],
    },
    channels: Object.fromEntries(
      (['wecom', 'dingtalk', 'feishu'] as Platform[]).map((p) => [p, [group(p), group(p, 'en')]]),
    ),
  }
  return JSON.stringify(demo)
}

const body = (hit: RobotHit): string =>
  hit.platform === 'wecom'
    ? (hit.body.markdown as { content: string }).content
    : hit.platform === 'dingtalk'
      ? JSON.stringify(hit.body, null, 2)
      : JSON.stringify(hit.body.card, null, 2)

describe('the demo district, caught up on and then live', () => {
  it('tells every group and person of the dripping canteen tap and the dorm-room kettle in their language', async () => {
    clock = new ManualClock(T0)
    const h = await alerting(demoWithPeople(), { now: () => clock.now() })
    const d = new Dispatcher({
      store: h.store,
      registry: h.registry,
      channels: defaultChannels({
        env: {},
        publish: async () => {},
        smtp: { smtpUrl: smtp.url, from: 'schoolmeter <noreply@demo.example>' },
      }),
      log: testLog,
      clock,
      link: linkMaker('https://energy.demo-district.example', signer),
    })
    h.alerts.onTransition = () => d.wake()
    d.start()
    const sim = createSimulation({
      registry: h.registry,
      start: T0 - 48 * HOUR,
      anchor: T0,
      seed: 'demo',
      scenario: scenarioFile('demo'),
    })
    // Each feed's alert changes are written before the clock moves on.
    const feed = async (until: number) => {
      for (const m of generate(sim, h.registry, until, { gateway: true, batchSize: 100 }))
        h.ingest.handle(m.topic, Buffer.from(m.payload), clock.now())
      await h.settled()
    }
    // The backfill: 48 hours in a moment of the service's time.
    for (let t = T0 - 47 * HOUR; t <= T0; t += HOUR) await feed(t)
    await d.drain()
    // Then live, ten seconds at a time, for six minutes.
    for (let t = T0 + 10_000; t <= T0 + 6 * 60_000; t += 10_000) {
      await clock.advance(10_000, () => d.idle())
      await feed(t)
    }
    await clock.advance(30_000, () => d.idle())
    await d.stop()
    expect(robots.violations).toEqual([])

    const drip = (await h.store.incidents.list({ meter: 'SP-W-CANTEEN' }))[0]!
    const kettle = (
      await h.store.incidents.list({
        meter: 'RM-E-A101',
        rule: 'electricity.high_power_appliance',
      })
    )[0]!
    expect(drip).toMatchObject({ family: 'water_loss', status: 'open', school: 'sunshine-primary' })
    expect(kettle).toMatchObject({ family: 'appliance', school: 'riverside-middle' })
    const about = (hit: RobotHit, incident: number) =>
      linksIn(hit.body).some((t) => signer.verify(t, clock.now())?.incident === incident)
    const captured: string[] = []
    for (const p of ['wecom', 'dingtalk', 'feishu'] as Platform[]) {
      for (const id of [`demo-${p}`, `demo-${p}-en`]) {
        const hits = robots.hits.filter((x) => x.robot === id)
        expect(hits.map((x) => x.code).filter((c) => c !== 0)).toEqual([])
        const dripHits = hits.filter((x) => about(x, drip.id))
        const kettleHits = hits.filter((x) => about(x, kettle.id))
        // The tap: once, on its own, once the catch-up settled; the kettle: the moment it opened.
        expect(dripHits).toHaveLength(1)
        expect(dripHits[0]!.at).toBe(T0 + 2 * 60_000)
        expect(kettleHits.length).toBeGreaterThanOrEqual(1)
        expect(kettleHits[0]!.at - kettle.openedAt).toBeLessThan(60_000)
        captured.push(
          `--- ${p} ${id.endsWith('-en') ? 'en' : 'zh-CN'}: the dripping tap ---\n${body(dripHits[0]!)}`,
        )
        captured.push(
          `--- ${p} ${id.endsWith('-en') ? 'en' : 'zh-CN'}: the kettle ---\n${body(kettleHits[0]!)}`,
        )
        const summaries = hits.filter((x) => /补录|caught up on/.test(body(x)))
        for (const s of summaries)
          captured.push(`--- ${p} ${id.endsWith('-en') ? 'en' : 'zh-CN'}: history summary ---\n${body(s)}`)
      }
    }
    const zh = body(robots.hits.find((x) => x.robot === 'demo-wecom' && about(x, drip.id))!)
    expect(zh).toContain('**阳光小学 (Sunshine Primary School) · 食堂 (Canteen)**')
    // The incident as it stands when told, in the group's language.
    const now = (await h.store.incidents.get(drip.id))!
    expect(zh).toContain(render('zh-CN', now.text!))
    expect(zh).toContain('值班：<@wangshifu>、Li Wei')
    const en = body(robots.hits.find((x) => x.robot === 'demo-wecom-en' && about(x, drip.id))!)
    expect(en).toContain('New fault · Warning')
    expect(en).toContain(render('en', now.text!))
    // E-mail: Wang reads Chinese, Li Wei English; each link signed for its reader.
    const mails = smtp.mails.filter((m) => /SP-W-CANTEEN/.test(m.text))
    expect(mails.map((m) => m.to).sort()).toEqual(['li.wei@demo.example', 'wang@demo.example'])
    const wang = mails.find((m) => m.to === 'wang@demo.example')!
    const li = mails.find((m) => m.to === 'li.wei@demo.example')!
    expect(wang.subject).toMatch(/^【警告】阳光小学 \(Sunshine Primary School\)：/)
    expect(li.subject).toBe(`[Warning] 阳光小学 (Sunshine Primary School): ${render('en', now.text!)}`)
    expect(signer.verify(linksIn(li.text)[0]!, clock.now())).toMatchObject({
      incident: drip.id,
      to: 'Li Wei',
    })
    captured.push(`--- e-mail zh-CN ---\nSubject: ${wang.subject}\n\n${wang.text}`)
    captured.push(`--- e-mail en ---\nSubject: ${li.subject}\n\n${li.text}`)
    if (process.env.CAPTURE) console.log(captured.join('\n\n'))
    await h.stop()
  }, 120_000)
})
