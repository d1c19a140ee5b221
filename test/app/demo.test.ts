/** `npm start` with no configuration: the demo district, fed by the simulator through the broker. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startService } from '../../app/service.js'
import { readEnv } from '../../core/config/env.js'
import { testLog } from '../helpers/log.js'
import { waitFor } from '../helpers/ports.js'
import { getJson } from '../helpers/service.js'

describe('demo mode', () => {
  it('backfills the last 48 hours of the demo district, then runs live, with its leak alerted', async () => {
    const env = readEnv({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'schoolmeter-demo-')),
      HTTP_PORT: '0',
      MQTT_PORT: '0',
    })
    const svc = await startService(env, { log: testLog })
    try {
      expect(svc.demo).toBe(true)
      const schools = await waitFor(
        'every demo meter reporting',
        async () => {
          const { body } = await getJson<{ meters: { total: number; ok: number } }[]>(
            `${svc.httpUrl}/api/v1/schools`,
          )
          return body.every((s) => s.meters.ok === s.meters.total) ? body : undefined
        },
        45_000,
        250,
      )
      expect(schools.map((s) => s.meters.total)).toEqual([11, 18, 9])
      // 48 hours of dorm-room readings every 10 s.
      const room = await waitFor(
        'the backfill',
        async () => {
          const { body } = await getJson(`${svc.httpUrl}/api/v1/meters/RM-E-A101`)
          return body.readings >= 48 * 360 ? body : undefined
        },
        45_000,
        250,
      )
      expect(Date.now() - Date.parse(room.lastReading.ts)).toBeLessThan(60_000)
      // The demo scenario's dripping canteen tap, running since 30 hours before start, is a leak alert already.
      const leak = await waitFor('the leak alert', async () => {
        const { body } = await getJson(
          `${svc.httpUrl}/api/v1/alerts?rule=water.continuous_flow&meter=SP-W-CANTEEN`,
        )
        return body.length ? body[0] : undefined
      })
      expect(leak).toMatchObject({ status: 'open', school: 'sunshine-primary' })
      expect(leak.evidence.leakLitresPerHour).toBeGreaterThanOrEqual(3)
    } finally {
      await svc.stop()
    }
  }, 90_000)
})
