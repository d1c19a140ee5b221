/**
 * `npm run evaluate`: what it counts as a true detection and as a notification (through a real
 * store and the real alert manager and router). Its command line and a short run end to end, as
 * real processes, are evaluate-cli.test.ts (`npm run test:system`).
 */
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { buildDistrict } from '../../bench/evaluation/districts.js'
import { notificationsOf } from '../../bench/evaluation/notifications.js'
import type { RunResult } from '../../bench/evaluation/run.js'
import { countedFaults, GRACE_MS, scoreDistrict } from '../../bench/evaluation/score.js'
import type { Alert } from '../../core/alert.js'
import { Bus } from '../../core/bus.js'
import { parseConfig } from '../../core/config/load.js'
import { Router } from '../../notify/index.js'
import { AlertManager } from '../../rules/index.js'
import { say } from '../../rules/types.js'
import type { GroundTruth } from '../../simulator/index.js'
import { openTestStore } from '../helpers/app-store.js'

const DAY = 86_400_000
const HOUR = 3_600_000
const T0 = Date.parse('2026-11-23T00:00:00+08:00')
const { registry } = buildDistrict({ name: 'demo', seed: 's', weeks: 1 })

let nextId = 1
const alert = (rule: string, meter: string, openedAt: number): Alert => ({
  id: nextId++,
  key: `${rule}|${meter}`,
  school: registry.meters.get(meter)!.school.id,
  building: registry.meters.get(meter)!.building.id,
  meter,
  rule,
  severity: 'warning',
  status: 'open',
  openedAt,
  lastSeenAt: openedAt,
  falsePositive: false,
  message: '',
  evidence: {},
})
const truth = (
  o: Partial<Omit<GroundTruth, 'start' | 'end'>> & {
    fault: string
    meter: string
    start: number
    end: number
  },
): GroundTruth => ({
  school: registry.meters.get(o.meter)!.school.id,
  expectedRule: o.expectedRule ?? 'water.continuous_flow',
  expectedRules: o.expectedRules ?? ['water.continuous_flow', 'water.night_flow'],
  params: {},
  ...o,
  start: new Date(o.start).toISOString(),
  end: new Date(o.end).toISOString(),
})
const result = (o: Partial<RunResult>): RunResult => ({
  district: 'demo',
  faults: true,
  scoredFrom: T0,
  end: T0 + 7 * DAY,
  meters: registry.meters.size,
  alerts: [],
  notices: [],
  truth: [],
  readings: 0,
  seconds: 0,
  ...o,
})

describe('npm run evaluate', () => {
  it('a shortened window counts only the faults inside it', () => {
    const inside = truth({ fault: 'drip_leak', meter: 'SP-W-CANTEEN', start: T0 + DAY, end: T0 + 3 * DAY })
    const after = truth({
      fault: 'drip_leak',
      meter: 'SP-W-CANTEEN',
      start: T0 + 9 * DAY,
      end: T0 + 10 * DAY,
    })
    const across = truth({
      fault: 'drip_leak',
      meter: 'SP-W-CANTEEN',
      start: T0 + 6 * DAY,
      end: T0 + 8 * DAY,
    })
    const warmup = truth({ fault: 'drip_leak', meter: 'SP-W-CANTEEN', start: T0 - DAY, end: T0 + DAY })
    const rollover = truth({
      fault: 'register_rollover',
      meter: 'SP-W-MAIN',
      start: T0 + 6.5 * DAY,
      end: T0 + 6.5 * DAY,
      expectedRule: 'meter.register_anomaly',
    })
    expect(countedFaults(result({ truth: [inside, after, across, warmup, rollover] }))).toEqual([inside])
  })

  it('a true detection: an expected rule, on the meter or upstream, within the fault and its grace', () => {
    const drip = truth({ fault: 'drip_leak', meter: 'SP-W-CANTEEN', start: T0 + DAY, end: T0 + 3 * DAY })
    const alerts = [
      alert('water.continuous_flow', 'SP-W-CANTEEN', T0 + 2 * DAY), // found
      alert('water.night_flow', 'SP-W-MAIN', T0 + 3 * DAY + GRACE_MS - 1), // upstream, in the grace: true
      alert('water.night_flow', 'SP-W-MAIN', T0 + 3 * DAY + GRACE_MS + 1), // after the grace: false
      alert('water.burst', 'SP-W-CANTEEN', T0 + 2 * DAY), // not a rule the drip raises: false
      alert('water.continuous_flow', 'SP-W-WC1', T0 + 2 * DAY), // a sibling, not upstream: false
    ]
    const faulty = result({
      truth: [drip],
      alerts,
      notices: alerts.map((a) => ({ at: a.openedAt, transition: 'opened', alerts: [a.id], deliveries: 3 })),
    })
    const clean = result({
      faults: false,
      alerts: [alert('electricity.after_hours', 'SP-E-MAIN', T0 + HOUR)],
    })
    const s = scoreDistrict(registry, faulty, clean)
    expect(s.outcomes).toEqual([
      {
        fault: drip,
        found: true,
        foundBy: 'water.continuous_flow',
        minutesToDetect: 24 * 60,
        notifications: 2,
      },
    ])
    expect(s.unexplained.map((a) => a.id)).toEqual([alerts[2]!.id, alerts[3]!.id, alerts[4]!.id])
    const row = (rule: string) => s.rows.find((r) => r.rule === rule)!
    expect(row('water.continuous_flow')).toMatchObject({
      injected: 1,
      found: 1,
      recall: 1,
      notificationsPerFault: 2,
    })
    expect(row('electricity.after_hours')).toMatchObject({
      falseAlerts: 1,
      falsePer1000MeterDays: Math.round((1 / (registry.meters.size * 7)) * 1000 * 100) / 100,
    })
  })

  it('a fault is found by any of its expected rules, first come first', () => {
    const toilet = truth({
      fault: 'running_toilet',
      meter: 'SP-W-CANTEEN',
      start: T0 + DAY,
      end: T0 + 3 * DAY,
      expectedRule: 'water.cistern_refill',
      expectedRules: ['water.cistern_refill', 'water.continuous_flow', 'water.night_flow'],
    })
    const alerts = [alert('water.continuous_flow', 'SP-W-CANTEEN', T0 + 2 * DAY)]
    const s = scoreDistrict(
      registry,
      result({ truth: [toilet], alerts, notices: [] }),
      result({ faults: false, alerts: [] }),
    )
    expect(s.outcomes[0]).toMatchObject({
      found: true,
      foundBy: 'water.continuous_flow',
      minutesToDetect: 24 * 60,
    })
    expect(s.rows.find((r) => r.rule === 'water.cistern_refill')).toMatchObject({ injected: 1, found: 1 })
  })

  it('counts messages to people from the outbox: one per opened or escalated alert, whatever the recipients', async () => {
    const config = `
schools:
  - id: s
    name: S
    notifications:
      contacts: { maintenance: [a@x.example, b@x.example], facilities: [c@x.example] }
      webhooks: [{ url: "https://hook.example/x" }]
    buildings:
      - id: b
        use: dormitory
        spaces: [{ id: r1, use: dorm_room }]
        meters:
          - { id: W, kind: water }
          - { id: E1, kind: electricity, space: r1 }
`
    const { registry: reg } = parseConfig(config, 'test')
    const store = await openTestStore(':memory:')
    let now = T0
    const alerts = new AlertManager({
      registry: reg,
      store,
      router: new Router({ registry: reg, email: true }),
      bus: new Bus(),
      log: pino({ level: 'silent' }),
      now: () => now,
    })
    const leak = await alerts.raise(
      'water.continuous_flow',
      reg.meters.get('W')!,
      {
        active: true,
        severity: 'warning',
        message: say('rule.water.continuous_flow', { hours: 24, meter: 'W', place: 'b', litres: 1 }),
        evidence: {},
      },
      now,
    )
    now += HOUR
    const heater = await alerts.raise(
      'electricity.high_power_appliance',
      reg.meters.get('E1')!,
      {
        active: true,
        severity: 'warning',
        message: say('rule.electricity.appliance', {
          resistive: true,
          watts: 1500,
          place: 'r1',
          minutes: 1,
          heater: false,
        }),
        evidence: {},
      },
      now,
    )
    now += 15 * 60_000
    await alerts.update(
      'electricity.high_power_appliance',
      reg.meters.get('E1')!,
      {
        active: true,
        severity: 'critical',
        message: say('rule.electricity.appliance', {
          resistive: true,
          watts: 1500,
          place: 'r1',
          minutes: 1,
          heater: false,
        }),
        evidence: {},
      },
      now,
    )
    await alerts.clear('water.continuous_flow', reg.meters.get('W')!, now + HOUR)
    const notices = await notificationsOf(store)
    // The leak's incident opened: two maintenance e-mails and the webhook; the heater's incident
    // opened and worsened (critical, nobody had acknowledged it): the facilities e-mail and the
    // webhook each time; the leak's resolution goes to the webhook only and is not counted.
    expect(notices.map((n) => [n.alerts[0], n.transition, n.deliveries])).toEqual([
      [leak.id, 'opened', 3],
      [heater.id, 'opened', 2],
      [heater.id, 'worsened', 2],
    ])
    await store.close()
  })
})
