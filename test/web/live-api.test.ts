/** The data behind the pages over HTTP: live status, data quality, a meter's recent series. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getJson } from '../helpers/service.js'
import { startWebDistrict } from '../helpers/webapp.js'

let district: Awaited<ReturnType<typeof startWebDistrict>>
beforeAll(async () => {
  district = await startWebDistrict({ people: false })
}, 60_000)
afterAll(() => district?.svc.stop())

describe('live API', () => {
  it('GET /api/v1/status: meters reporting and silent, open incidents by severity, this month', async () => {
    const { status, body } = await getJson(`${district.svc.httpUrl}/api/v1/status`)
    expect(status).toBe(200)
    const north = body.find((s: { school: string }) => s.school === 'north-primary')
    expect(north.meters).toEqual({ total: 4, ok: 3, offline: 1, never_reported: 0, stale: 0 })
    expect(north.incidents.total).toBeGreaterThanOrEqual(1)
    expect(north.use.map((u: { utility: string }) => u.utility)).toEqual(['water', 'electricity'])
    expect(north.use[0].actual).toBeGreaterThan(0)
    expect((await getJson(`${district.svc.httpUrl}/api/v1/status?school=nowhere`)).status).toBe(404)
  })

  it('GET /api/v1/quality: the silent meter, and the rejected reading with its reason', async () => {
    const { body } = await getJson(`${district.svc.httpUrl}/api/v1/quality?lang=en`)
    expect(body.meters).toMatchObject([{ meter: 'N-T-OUT', state: 'offline', school: 'north-primary' }])
    expect(body.rejected).toMatchObject([
      { school: 'south-middle', reason: 'unknown_meter', count: 1, lastMeter: 'S-W-UNKNOWN' },
    ])
    expect(body.rejected[0].lastDetail).toMatch(/S-W-UNKNOWN/)
  })

  it('GET /api/v1/meters/{meter}/series: 10-minute flow of the last 48 h and hourly use, from memory and SQLite', async () => {
    const { body } = await getJson(`${district.svc.httpUrl}/api/v1/meters/N-W-MAIN/series`)
    expect(body.rate.unit).toBe('L/min')
    expect(body.rate.points.length).toBeGreaterThan(150)
    // The leak's floor: it never drops below 3 L/min.
    expect(Math.min(...body.rate.points.map((p: { mean: number }) => p.mean))).toBe(3)
    expect(body.use.unit).toBe('L')
    expect(body.use.points.length).toBeGreaterThanOrEqual(29)
    const litres = body.use.points.reduce((s: number, p: { used: number }) => s + p.used, 0)
    expect(litres).toBeGreaterThan(3 * 60 * 29)
    const narrow = await getJson(`${district.svc.httpUrl}/api/v1/meters/N-W-MAIN/series?hours=6`)
    expect(narrow.body.use.points.length).toBeLessThanOrEqual(6)
    expect((await getJson(`${district.svc.httpUrl}/api/v1/meters/N-W-MAIN/series?to=yesterday`)).status).toBe(
      400,
    )
  })
})
