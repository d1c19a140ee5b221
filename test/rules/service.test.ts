/**
 * Golden cases 1–9 through the real service: readings published over MQTT to the embedded broker,
 * alerts read back through the HTTP API — and the people's side of the lifecycle over HTTP.
 */
import { describe, expect, it } from 'vitest'
import { GOLDEN_CONFIG } from '../helpers/alerting.js'
import * as g from '../helpers/golden.js'
import { waitFor } from '../helpers/ports.js'
import { getJson, mqttClient, startTestService } from '../helpers/service.js'

const CASES: [name: string, feeds: () => g.Feeds, rule: string, alert: boolean][] = [
  ['1: 24 h of ≥ 2 L hours', () => g.hourlyWater(), 'water.continuous_flow', true],
  ['1: with one 0 L hour', () => g.hourlyWater(12), 'water.continuous_flow', false],
  ['2: a 0.5 L/h drip', () => g.drip(), 'water.continuous_flow', true],
  ['3: burst for 30 min', () => g.burst(30), 'water.burst', true],
  ['3: burst for 25 min', () => g.burst(25), 'water.burst', false],
  ['4: three refills', () => g.refills(), 'water.cistern_refill', true],
  ['5: night flow steps up', () => g.nights((n) => (n >= 6 ? 30 : 0)), 'water.night_flow', true],
  ['5: one spike night', () => g.nights((n) => (n === 6 ? 30 : 0)), 'water.night_flow', false],
  ['6: +2000 W for 3 min', () => g.dormStep(2000, 180), 'electricity.high_power_appliance', true],
  ['6: +2000 W for 5 s', () => g.dormStep(2000, 5, 1, 600_000), 'electricity.high_power_appliance', false],
  ['6: +150 W', () => g.dormStep(150, 600), 'electricity.high_power_appliance', false],
  ['7: a heater all night', () => g.heater(), 'electricity.high_power_appliance', true],
  ['8: Saturday heating at 10 °C', () => g.saturdayHeating(10), 'heat.unoccupied_heating', true],
  ['8: Saturday heating at 2 °C', () => g.saturdayHeating(2), 'heat.unoccupied_heating', false],
  ['9: 2 K delta-T for 6 h', () => g.lowDeltaT(), 'heat.low_delta_t', true],
]

describe('golden cases over MQTT and HTTP', () => {
  for (const [name, feeds, rule, alert] of CASES) {
    it(`${name} → ${alert ? rule : 'no alert'}`, async () => {
      const svc = await startTestService({ config: GOLDEN_CONFIG })
      const client = await mqttClient(`mqtt://127.0.0.1:${svc.mqttPort}`)
      try {
        const readings = g.interleave(feeds())
        for (let i = 0; i < readings.length; i += 200) {
          const batch = readings.slice(i, i + 200).map(({ meter, point }) => ({ meter, ...point }))
          await client.publishAsync('schools/golden/gateways/gw-1', JSON.stringify(batch), { qos: 1 })
        }
        const metrics = await (await fetch(`${svc.httpUrl}/metrics`)).text()
        expect(metrics).toMatch(new RegExp(`^schoolmeter_readings_accepted_total ${readings.length}$`, 'm'))
        // The rules judged every reading; their alerts are in the store once it has written them.
        await svc.alerts.idle()
        const { body } = await getJson(`${svc.httpUrl}/api/v1/alerts?rule=${rule}`)
        if (alert) {
          expect(body).toHaveLength(1)
          expect(body[0]).toMatchObject({
            school: 'golden',
            rule,
            openedAt: expect.stringMatching(/^2026-11-\d\dT.*\+08:00$/),
          })
        } else {
          expect(body).toEqual([])
        }
      } finally {
        await client.endAsync()
        await svc.stop()
      }
    })
  }
})

describe('the alert API', () => {
  it('lists, filters, acknowledges and resolves; every transition goes out on schools/{school}/alerts', async () => {
    const svc = await startTestService({ config: GOLDEN_CONFIG })
    const client = await mqttClient(`mqtt://127.0.0.1:${svc.mqttPort}`)
    const watcher = await mqttClient(`mqtt://127.0.0.1:${svc.mqttPort}`)
    const published: { id: number; transition: string; status: string }[] = []
    await watcher.subscribeAsync('schools/golden/alerts', { qos: 0 })
    watcher.on('message', (_t, p) => published.push(JSON.parse(p.toString())))
    try {
      for (const { meter, point } of g.interleave([...g.burst(40), ...g.hourlyWater()])) {
        await client.publishAsync('schools/golden/gateways/gw-1', JSON.stringify([{ meter, ...point }]), {
          qos: 1,
        })
      }
      await svc.alerts.idle()
      const open = await getJson(`${svc.httpUrl}/api/v1/alerts?status=active&severity=critical`)
      // The burst cleared itself 10 minutes after the flow stopped; resolved alerts are not active.
      expect(open.body).toEqual([])
      const active = await getJson(`${svc.httpUrl}/api/v1/alerts?status=active`)
      expect(active.body.map((a: { rule: string }) => a.rule)).toContain('water.continuous_flow')
      const all = await getJson(`${svc.httpUrl}/api/v1/alerts?school=golden`)
      const burst = all.body.find((a: { rule: string }) => a.rule === 'water.burst')
      expect(burst).toMatchObject({
        status: 'resolved',
        resolvedBy: 'rule',
        severity: 'critical',
        evidence: { thresholdLpm: 13.33 },
      })
      // The hourly meter's leak stays open; a person handles it.
      const ah = all.body.find((a: { rule: string }) => a.rule === 'water.continuous_flow')
      expect(ah).toMatchObject({ status: 'open', meter: 'W-HOURLY' })
      const ack = await fetch(`${svc.httpUrl}/api/v1/alerts/${ah.id}/ack`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ by: 'Zhang (maintenance)', note: 'checking the riser' }),
      })
      expect(ack.status).toBe(200)
      expect(await ack.json()).toMatchObject({
        status: 'acknowledged',
        acknowledgedBy: 'Zhang (maintenance)',
        acknowledgedAt: expect.stringMatching(/\+08:00$/),
      })
      const resolve = await fetch(`${svc.httpUrl}/api/v1/alerts/${ah.id}/resolve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ by: 'Zhang (maintenance)', falsePositive: true, note: 'tank refill' }),
      })
      expect(await resolve.json()).toMatchObject({ status: 'resolved', falsePositive: true })
      const again = await fetch(`${svc.httpUrl}/api/v1/alerts/${ah.id}/ack?lang=en`, { method: 'POST' })
      expect(again.status).toBe(409)
      expect(await again.json()).toEqual({
        error: 'alert_resolved',
        message: `alert ${ah.id} is already resolved`,
      })
      const inChinese = await fetch(`${svc.httpUrl}/api/v1/alerts/${ah.id}/ack`, { method: 'POST' })
      expect(await inChinese.json()).toEqual({ error: 'alert_resolved', message: `告警 ${ah.id} 已解决` })
      expect((await fetch(`${svc.httpUrl}/api/v1/alerts/999999/resolve`, { method: 'POST' })).status).toBe(
        404,
      )
      expect((await fetch(`${svc.httpUrl}/api/v1/alerts?severity=loud`)).status).toBe(400)
      const detail = await getJson(`${svc.httpUrl}/api/v1/alerts/${ah.id}`)
      expect(detail.body.history.map((e: { transition: string }) => e.transition)).toEqual([
        'opened',
        'acknowledged',
        'resolved',
      ])
      await waitFor('transitions published', () =>
        published.filter((p) => p.id === ah.id).length === 3 ? true : undefined,
      )
      expect(published.filter((p) => p.id === ah.id).map((p) => p.transition)).toEqual([
        'opened',
        'acknowledged',
        'resolved',
      ])
    } finally {
      await client.endAsync()
      await watcher.endAsync()
      await svc.stop()
    }
  })
})
