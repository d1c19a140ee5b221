/**
 * `npm start` with no configuration: the demo district, fed by the simulator through the broker —
 * 14 months of history, quarter-hourly before the last 48 hours, then live.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startService } from '../../app/service.js'
import { readEnv } from '../../core/config/env.js'
import { testLog } from '../helpers/log.js'
import { waitFor } from '../helpers/ports.js'
import { getJson } from '../helpers/service.js'

/** The month before this one in the demo district's zone (Asia/Shanghai). */
function lastMonth(): string {
  const d = new Date(Date.now() + 8 * 3_600_000)
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).toISOString().slice(0, 7)
}

describe('demo mode', () => {
  it('backfills 14 months of the demo district, then runs live: its leak alerted, savings, a ranking and readiness', async () => {
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
      // Caught up with the clock: the last 48 hours of dorm-room readings every 10 s, after a
      // year and more of quarter-hourly ones.
      const room = await waitFor(
        'the backfill',
        async () => {
          const { body } = await getJson(`${svc.httpUrl}/api/v1/meters/RM-E-A101`)
          return body.lastReading && Date.now() - Date.parse(body.lastReading.ts) < 60_000 ? body : undefined
        },
        180_000,
        250,
      )
      expect(room.readings).toBeGreaterThanOrEqual(48 * 360 + 365 * 96)
      // The history is dense enough that no meter looks offline in it (a gap over 15 minutes would
      // be recorded as an offline episode).
      const { body: offline } = await getJson(`${svc.httpUrl}/api/v1/alerts?rule=meter.offline`)
      expect(offline).toEqual([])
      // The demo scenario's dripping canteen tap, running since 30 hours before start, is a leak alert already.
      const leak = await waitFor('the leak alert', async () => {
        const { body } = await getJson(
          `${svc.httpUrl}/api/v1/alerts?rule=water.continuous_flow&meter=SP-W-CANTEEN`,
        )
        return body.length ? body[0] : undefined
      })
      expect(leak).toMatchObject({ status: 'open', school: 'sunshine-primary' })
      expect(leak.evidence.leakLitresPerHour).toBeGreaterThanOrEqual(3)

      // Savings: the first 12 months are the baseline; since then the boarding school runs a
      // campaign (10 % less of everything) and the others carry on.
      const month = lastMonth()
      type Row = {
        school: string
        utility: string
        gate?: string
        savingsPct?: number
        savingsPctLow?: number
        savingsPctHigh?: number
      }
      const rows = await waitFor(
        'savings figures of last month',
        async () => {
          const { body } = await getJson<Row[]>(`${svc.httpUrl}/api/v1/reports/monthly?month=${month}`)
          return body.length === 9 && body.every((r) => r.gate === 'pass') ? body : undefined
        },
        180_000,
        1000,
      )
      for (const r of rows) {
        const target = r.school === 'riverside-middle' ? 10 : 0
        const figure = `${r.school} ${r.utility}: ${r.savingsPct} (${r.savingsPctLow} … ${r.savingsPctHigh})`
        if (r.utility === 'heat') {
          // Heat fits the simulated buildings more loosely: its 90 % interval holds the truth.
          expect(r.savingsPctLow!, figure).toBeLessThanOrEqual(target)
          expect(r.savingsPctHigh!, figure).toBeGreaterThanOrEqual(target)
        } else expect(Math.abs(r.savingsPct! - target), figure).toBeLessThanOrEqual(3)
        expect(r.savingsPctLow!).toBeLessThan(r.savingsPct!)
        expect(r.savingsPctHigh!).toBeGreaterThan(r.savingsPct!)
      }
      const { body: ranking } = await getJson<{ rank: number | null; school: string }[]>(
        `${svc.httpUrl}/api/v1/reports/ranking?month=${month}&utility=electricity`,
      )
      expect(ranking[0]).toMatchObject({ rank: 1, school: 'riverside-middle' })
      const { body: readiness } = await getJson<{ school: string; checks: unknown[] }[]>(
        `${svc.httpUrl}/api/v1/reports/readiness`,
      )
      expect(readiness.map((r) => r.school)).toEqual([
        'sunshine-primary',
        'riverside-middle',
        'east-vocational',
      ])
      for (const r of readiness) expect(r.checks.length).toBeGreaterThanOrEqual(2)
    } finally {
      await svc.stop()
    }
  }, 300_000)
})
