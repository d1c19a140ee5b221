/**
 * Who is told, and the pieces delivery stands on: contacts in both forms, on-duty rotas in the
 * school's time, robots' settings checked at start with the place named, the router's choice of
 * targets, and a rate limiter that keeps every window at once.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../core/config/load.js'
import type { ConfigError } from '../../core/errors.js'
import { contactsOf, onDuty, Router } from '../../notify/index.js'
import { RateLimiter } from '../../notify/limiter.js'
import { alerting } from '../helpers/alerting.js'

const school = (notifications: string) => `
schools:
  - id: north
    name: North School
    timezone: Asia/Shanghai
    calendar:
      terms: [{ start: "2026-09-01", end: "2027-01-22" }]
    notifications:
${notifications}
    buildings:
      - id: main
        use: teaching
        meters:
          - { id: W1, kind: water, registerDigits: 6, nominalFlowM3h: 4 }
`

const problems = (yaml: string): string => {
  try {
    new Router({ registry: parseConfig(yaml, 'district.yaml').registry, env: {} })
    return ''
  } catch (err) {
    return (err as ConfigError).text('en')
  }
}

describe('contacts and rotas', () => {
  const { registry } = parseConfig(
    school(`      contacts:
        maintenance:
          - fix@north.example
          - { name: 王师傅, email: wang@north.example, ids: { wecom: wangshifu }, onDuty: { sat: ["22:00-08:00"], mon: ["08:00-17:00"] } }
        escalation: [{ name: Head, locale: en, email: head@north.example }]`),
  )
  const north = registry.schools.get('north')!

  it('takes a bare address and a person alike', () => {
    expect(contactsOf(north, ['maintenance', 'escalation'])).toEqual([
      { name: 'fix@north.example', email: 'fix@north.example', ids: {} },
      {
        name: '王师傅',
        email: 'wang@north.example',
        ids: { wecom: 'wangshifu' },
        onDuty: { sat: ['22:00-08:00'], mon: ['08:00-17:00'] },
      },
      { name: 'Head', locale: 'en', email: 'head@north.example', ids: {} },
    ])
  })

  it("asks the rota in the school's time; a night shift runs into the next morning", () => {
    const on = (iso: string) => onDuty(north, ['maintenance'], Date.parse(iso)).map((c) => c.name)
    expect(on('2026-11-21T23:00:00+08:00')).toEqual(['fix@north.example', '王师傅']) // Saturday night
    expect(on('2026-11-22T07:59:00+08:00')).toEqual(['fix@north.example', '王师傅']) // Sunday morning
    expect(on('2026-11-22T08:00:00+08:00')).toEqual(['fix@north.example'])
    expect(on('2026-11-23T09:00:00+08:00')).toEqual(['fix@north.example', '王师傅']) // Monday
    // 01:00 UTC is 09:00 in Shanghai: the school's clock, not the server's.
    expect(on('2026-11-23T01:00:00Z')).toEqual(['fix@north.example', '王师傅'])
  })
})

describe('channel settings', () => {
  it('are checked at start, each mistake named with its place and what was expected', () => {
    expect(problems(school('      channels: { wechat: [{ url: "https://x.example" }] }'))).toBe(
      'invalid configuration in notification channels in the registry:\n' +
        '  - schools[0].notifications.channels.wechat: got "wechat"; expected one of wecom, dingtalk, feishu',
    )
    expect(problems(school('      channels: { dingtalk: [{ name: 维修群, secretEnv: dingtalk }] }'))).toBe(
      'invalid configuration in notification channels in the registry:\n' +
        '  - schools[0].notifications.channels.dingtalk[0].secretEnv: got "dingtalk"; expected the name of an environment variable, in capitals, e.g. WEBHOOK_SECRET',
    )
    expect(problems(school('      channels: { feishu: [{ name: 维修群 }] }'))).toContain(
      'schools[0].notifications.channels.feishu[0].url: got nothing; expected one of the keys url, urlEnv',
    )
    expect(problems(school('      channels: { wecom: [{ urls: "https://x.example" }] }'))).toContain(
      'channels.wecom[0].urls: got "https://x.example"; expected no such key here (misspelt or misplaced?)',
    )
  })

  it('a contact in the new form is checked key by key, in the file, with its line', () => {
    expect(() =>
      parseConfig(
        school('      contacts: { maintenance: [{ name: Wang, phone: "call me" }] }'),
        'district.yaml',
      ),
    ).toThrow(
      /schools\[0\]\.notifications\.contacts\.maintenance\[0\]\.phone \(line 9\): got "call me"; expected a mobile number/,
    )
  })
})

describe('the router', () => {
  const config = school(`      contacts:
        maintenance: [fix@north.example, { name: Li Wei, locale: en, email: li@north.example }, { name: 无邮箱, phone: "13800138000" }]
      channels:
        wecom:
          - { name: water group, url: "https://qyapi.weixin.example/cgi-bin/webhook/send?key=a", rules: [water.*] }
          - { name: critical only, url: "https://qyapi.weixin.example/cgi-bin/webhook/send?key=b", minSeverity: critical }
        feishu:
          - { name: from the environment, urlEnv: FEISHU_ROBOT_URL }`)

  it('writes one row per group that asks for the incident and per contact with an address, each in its language', async () => {
    const h = await alerting(config, { now: () => Date.parse('2026-11-18T10:00:00+08:00') })
    const w1 = h.registry.meters.get('W1')!
    await h.alerts.raise(
      'water.burst',
      w1,
      {
        active: true,
        severity: 'warning',
        message: {
          key: 'rule.water.burst',
          params: { meter: 'W1', place: 'main', flow: 20, minutes: 5, threshold: 13 },
        },
        evidence: {},
      },
      Date.parse('2026-11-18T10:00:00+08:00'),
    )
    const people = (await h.store.outbox.all()).filter((r) => r.channel !== 'mqtt')
    expect(people.map((r) => [r.channel, r.target, r.priority])).toEqual([
      ['email', 'fix@north.example', 1],
      ['email', 'li@north.example', 1],
      // The water group (known by its address, never stored in clear); not the critical-only
      // one; not Feishu, whose address is not set.
      [
        'wecom',
        createHash('sha256')
          .update('https://qyapi.weixin.example/cgi-bin/webhook/send?key=a')
          .digest('hex')
          .slice(0, 16),
        1,
      ],
    ])
    expect(JSON.parse(people[1]!.payload)).toMatchObject({
      kind: 'incident',
      transition: 'opened',
      to: { name: 'Li Wei', locale: 'en' },
      roles: ['maintenance'],
    })
    await h.stop()
  })
})

describe('the rate limiter', () => {
  it('keeps every window at once, and a lock the platform imposed', () => {
    const l = new RateLimiter([
      { max: 100, perMs: 60_000 },
      { max: 5, perMs: 1000 },
    ])
    let t = 0
    const sent: number[] = []
    while (sent.length < 120) {
      t += l.waitMs(t)
      l.record(t)
      sent.push(t)
    }
    const most = (ms: number) => Math.max(...sent.map((s) => sent.filter((u) => u >= s && u < s + ms).length))
    expect(most(1000)).toBe(5)
    expect(most(60_000)).toBe(100)
    // The 101st waits for the first to leave the minute.
    expect(sent[100]).toBe(60_000)
    l.lock(t + 600_000)
    expect(l.waitMs(t)).toBe(600_000)
  })
})
