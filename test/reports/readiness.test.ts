import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../core/config/load.js'
import { Dispatcher, defaultChannels, type Email } from '../../notify/index.js'
import { notifyReadiness, Readiness, renderReadiness } from '../../reports/index.js'
import { openTestStore } from '../helpers/app-store.js'
import { ManualClock } from '../helpers/clock.js'
import { testLog } from '../helpers/log.js'

const CONFIG = `
schools:
  - id: north
    name: North School
    calendar:
      terms: [{ name: Spring 2027, start: "2027-02-22", end: "2027-07-02" }]
    notifications: { contacts: { facilities: [fm@north.example], maintenance: [fix@north.example] } }
    buildings:
      - id: main
        use: teaching
        meters:
          - { id: N-W, kind: water }
          - { id: N-H, kind: heat, supplySetpointC: 65 }
          - { id: N-H2, kind: heat, supplySetpointC: 60 }
`

describe('start-of-term readiness', () => {
  const { registry } = parseConfig(CONFIG)
  const school = registry.schools.get('north')!
  const now = Date.parse('2027-02-15T08:00:00+08:00')

  it('checks meters reporting, open critical alerts and heating circuits reaching setpoint', async () => {
    const store = await openTestStore(':memory:')
    store.supply.addMany(
      [
        ['N-H', '2027-02-15', 66],
        ['N-H2', '2027-02-14', 48],
      ],
      store.stamps.next(),
    )
    const heard: Record<string, number> = { 'N-W': now - 3_600_000, 'N-H': now - 60_000 }
    const r = (await new Readiness({ registry, store, lastReceivedAt: (id) => heard[id] }).check(
      school,
      now,
    ))!
    expect(r).toMatchObject({
      term: { name: 'Spring 2027', start: '2027-02-22' },
      daysToTerm: 7,
      ready: false,
    })
    expect(r.checks.map((c) => [c.check, c.ok])).toEqual([
      ['meters_reporting', false],
      ['no_open_critical_alerts', true],
      ['heating_reaches_setpoint', false],
    ])
    expect(r.checks[0]!.items).toEqual([{ meter: 'N-H2', building: 'main', lastHeard: 'never' }])
    expect(r.checks[2]!.items).toEqual([
      { meter: 'N-H', building: 'main', setpointC: 65, highestSupplyC: 66, ok: true },
      { meter: 'N-H2', building: 'main', setpointC: 60, highestSupplyC: 48, ok: false },
    ])
    // Written in the school's language: the district names none, so Chinese.
    expect(r.checks.map((c) => c.detail)).toEqual([
      '3 块表计中有 1 块超过一天没有上报',
      '没有未处理的严重告警',
      '2 个供热回路中有 1 个在最近一天内未达到设定供水温度（允许偏差 5 K）',
    ])
    expect(renderReadiness(r, 'zh-CN')).toEqual({
      subject: '开学准备未就绪：North School，2027年2月22日 开学',
      text:
        'North School（north）开学前检查：距Spring 2027开学（2027年2月22日）还有 7 天。\n\n' +
        '  [ ] 3 块表计中有 1 块超过一天没有上报\n' +
        '      - N-H2（main）：最后一次上报 从未上报\n' +
        '  [x] 没有未处理的严重告警\n' +
        '  [ ] 2 个供热回路中有 1 个在最近一天内未达到设定供水温度（允许偏差 5 K）\n' +
        '      - N-H2（main）：最高供水温度 48°C，设定 60°C\n\n' +
        '检查时间：2027年2月15日 08:00。\n',
    })
    const en = (await new Readiness({ registry, store, lastReceivedAt: (id) => heard[id] }).check(
      school,
      now,
      'en',
    ))!
    expect(renderReadiness(en, 'en')).toEqual({
      subject: 'NOT ready for the new term: North School, term starts Feb 22, 2027',
      text:
        'Start-of-term check for North School (north), 7 days before Spring 2027 starts on Feb 22, 2027.\n\n' +
        '  [ ] 1 of 3 meters silent for over a day\n' +
        '      - N-H2 (main): last reading never\n' +
        '  [x] no open critical alert\n' +
        '  [ ] 1 of 2 circuits did not reach their setpoint (−5 K) in the last day\n' +
        '      - N-H2 (main): highest supply 48°C, setpoint 60°C\n\n' +
        'Checked Feb 15, 2027, 8:00 AM.\n',
    })
  })

  it('is sent once per school and term, through the outbox', async () => {
    const store = await openTestStore(':memory:')
    const r = (await new Readiness({ registry, store, lastReceivedAt: () => now }).check(school, now))!
    expect(await store.readiness.save('north', r.term.start, r)).toBe(true)
    expect(await store.readiness.save('north', r.term.start, r)).toBe(false)
    await notifyReadiness(store, school, r, true, now)
    await notifyReadiness(store, school, r, true, now)
    const sent: string[] = []
    const channels = defaultChannels({ env: {}, publish: async (t) => void sent.push(t) }).map((c) =>
      c.name === 'email'
        ? {
            ...c,
            send: async (mail: unknown, ctx: { target: string }) =>
              void sent.push(`${ctx.target}: ${(mail as Email).subject}`),
          }
        : c,
    )
    await new Dispatcher({ store, registry, channels, log: testLog, clock: new ManualClock(now) }).drain()
    expect(sent.sort()).toEqual([
      'fix@north.example: 开学准备未就绪：North School，2027年2月22日 开学',
      'fm@north.example: 开学准备未就绪：North School，2027年2月22日 开学',
      'schools/north/readiness',
    ])
  })
})
