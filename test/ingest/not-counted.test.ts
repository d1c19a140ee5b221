/**
 * A reading that does not move its meter gets an answer on `schools/{school}/rejected`: a
 * duplicate, and a late one (older than the meter's watermark, stored in InfluxDB without
 * consumption), each with its reason, the meter's newest reading and its watermark, in the
 * school's offset. And a topic naming a school the registry does not know is answered in the
 * district's offset, as the others are in their school's. The whole service, a real InfluxDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Influxd, startInfluxd } from '../helpers/influxd.js'
import { waitFor } from '../helpers/ports.js'
import { getJson, metricValue, mqttClient, startTestService } from '../helpers/service.js'

let influx: Influxd

beforeAll(async () => {
  influx = await startInfluxd()
})
afterAll(async () => {
  await influx?.destroy()
})

/** A school on Xinjiang time (UTC+6) in a district whose default zone is Kathmandu's (UTC+5:45). */
const CONFIG = `
district: { id: west, name: West District, locale: en }
defaults:
  timezone: Asia/Kathmandu
schools:
  - id: west-school
    name: West School
    timezone: Asia/Urumqi
    buildings:
      - id: main
        use: teaching
        meters:
          - { id: W1, kind: water }
`

interface Answer {
  topic: string
  reason: string
  detail: string
  receivedAt: string
  meter?: string
  payload: string
  latest?: string
  watermark?: string
  stored?: boolean
}

describe('readings that are not counted are answered on the rejected topic', () => {
  it('a duplicate and a late reading: reason, newest reading, watermark, stored or not; unknown schools in the district offset', async () => {
    const svc = await startTestService({
      config: CONFIG,
      env: { INFLUX_URL: influx.url, INFLUX_DATABASE: 'answers' },
    })
    const gateway = await mqttClient(`mqtt://127.0.0.1:${svc.mqttPort}`)
    const answers: Answer[] = []
    await gateway.subscribeAsync('schools/+/rejected', { qos: 1 })
    gateway.on('message', (_t, p) => answers.push(JSON.parse(p.toString()) as Answer))
    const topic = 'schools/west-school/meters/W1'
    const send = (ts: string, volume: number) =>
      gateway.publishAsync(topic, JSON.stringify({ ts, volume_m3: volume }), { qos: 1 })
    try {
      // Readings a minute apart, 08:00 … 08:20 on Xinjiang time.
      for (let m = 0; m <= 20; m++)
        await send(`2026-11-02T08:${String(m).padStart(2, '0')}:00+06:00`, 100 + m / 100)
      await send('2026-11-02T08:20:00+06:00', 100.2) // the newest again
      await send('2026-11-02T08:05:30+06:00', 100.055) // 14.5 minutes behind: beyond the 10-minute watermark
      await send('2026-11-02T08:15:00+06:00', 100.15) // inside it, but already there: a duplicate too
      await gateway.publishAsync(
        'schools/nowhere-school/meters/W1',
        JSON.stringify({ ts: '2026-11-02T08:00:00+06:00', volume_m3: 1 }),
        { qos: 1 },
      )
      await waitFor('four answers', () => (answers.length >= 4 ? true : undefined))
      const mark = { latest: '2026-11-02T08:20:00.000+06:00', watermark: '2026-11-02T08:10:00.000+06:00' }
      expect(answers[0]).toMatchObject({
        topic,
        reason: 'duplicate',
        meter: 'W1',
        ...mark,
        stored: false,
        detail:
          'meter W1 already has a reading at 2026-11-02T08:20:00.000+06:00: it is counted once (newest reading 2026-11-02T08:20:00.000+06:00; readings before 2026-11-02T08:10:00.000+06:00 are not counted)',
      })
      expect(JSON.parse(answers[0]!.payload)).toEqual({
        ts: '2026-11-02T08:20:00.000+06:00',
        volume_m3: 100.2,
      })
      expect(answers[1]).toMatchObject({
        topic,
        reason: 'late',
        meter: 'W1',
        ...mark,
        stored: true,
        detail:
          "the reading of 2026-11-02T08:05:30.000+06:00 is older than meter W1's watermark, 2026-11-02T08:10:00.000+06:00 (its newest reading, 2026-11-02T08:20:00.000+06:00, less 10 minutes, or the oldest it remembers): it is stored, but not counted into consumption",
      })
      expect(answers[2]).toMatchObject({ reason: 'duplicate', ...mark })
      for (const a of answers.slice(0, 3)) expect(a.receivedAt).toMatch(/\+06:00$/)
      // A school the registry does not know: the district's offset, not UTC.
      expect(answers[3]).toMatchObject({
        topic: 'schools/nowhere-school/meters/W1',
        reason: 'unknown_school',
      })
      expect(answers[3]!.receivedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+05:45$/)

      // Not rejections: the metrics count them apart, and the meter's last reading stays the newest.
      const metrics = await (await fetch(`${svc.httpUrl}/metrics`)).text()
      expect(metricValue(metrics, 'schoolmeter_readings_duplicate_total')).toBe(2)
      expect(metricValue(metrics, 'schoolmeter_readings_late_total')).toBe(1)
      expect(metricValue(metrics, 'schoolmeter_readings_rejected_total{reason="unknown_school"}')).toBe(1)
      const { body: meter } = await getJson(`${svc.httpUrl}/api/v1/meters/W1`)
      expect(meter.lastReading).toMatchObject({ ts: mark.latest, values: { volume_m3: 100.2 } })
      // The late reading is archived with its register, without consumption; duplicates are not stored twice.
      await svc.writer!.flush()
      const rows = await influx.query<[number, number, number | null]>(
        'answers',
        'SELECT volume_m3, used_l FROM water ORDER BY time',
      )
      const values = rows[0]!.values
      expect(values).toHaveLength(22)
      expect(values.find(([t]) => t === Date.parse('2026-11-02T08:05:30+06:00'))?.slice(1)).toEqual([
        100.055,
        null,
      ])
    } finally {
      await gateway.endAsync()
      await svc.stop()
    }
  })
})
