/**
 * The reference series of test/fixtures/savings (OpenEEmeter's samples, known true savings) fed to
 * the service as a gateway would send them: an electricity meter and a heat meter (the gas series,
 * in kWh) as cumulative registers read every hour, and an outdoor sensor, through the real
 * decoder, registers and rollups into SQLite; then the monthly reports on top.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { stringify } from 'yaml'
import { parseConfig } from '../../core/config/load.js'
import { MonthlyReports, Rollups } from '../../reports/index.js'
import { ingesting } from './ingesting.js'
import { testLog } from './log.js'

export const REFERENCE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'savings')
export const KWH_PER_THERM = 29.3071
export const SCHOOL = 'il-reference'
const HOUR = 3_600_000

function csv(file: string): [string, number][] {
  return gunzipSync(readFileSync(join(REFERENCE_DIR, file)))
    .toString()
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [ts, v] = line.split(',')
      return [ts!, Number(v)]
    })
}

/**
 * The building of the samples as a school: open every day (the samples have no school calendar:
 * no closed days, no terms), in their fixed −06:00 zone, with the baseline and blackout of the
 * samples' metadata.
 */
export function referenceConfig(): string {
  const everyDay = Object.fromEntries(
    ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00-24:00']]),
  )
  return stringify({
    district: { id: 'reference', name: 'OpenEEmeter samples' },
    schools: [
      {
        id: SCHOOL,
        name: 'OpenEEmeter sample building (Illinois)',
        timezone: 'Etc/GMT+6',
        calendar: { weeklyHours: everyDay },
        savings: {
          baseline: { from: '2016-01-01', to: '2016-12-31' },
          interventions: [{ name: 'the change of the samples', start: '2016-12-26', end: '2017-01-04' }],
        },
        buildings: [
          {
            id: 'main',
            use: 'other',
            meters: [
              { id: 'IL-E', kind: 'electricity', registerDigits: 9, intervalSeconds: 3600 },
              { id: 'IL-H', kind: 'heat', registerDigits: 9, intervalSeconds: 3600 },
              { id: 'IL-T', kind: 'temperature', placement: 'outdoor', intervalSeconds: 3600 },
            ],
          },
        ],
      },
    ],
  })
}

/** Feeds both series and the temperature; `now` is the end of the data. */
export async function referenceReports() {
  const { registry } = parseConfig(referenceConfig(), 'reference.yaml')
  const { store, bus, ingest } = await ingesting(registry)
  const rollups = new Rollups({ registry, store, bus, log: testLog })
  rollups.start()
  const electricity = csv('il-electricity-cdd-hdd-hourly.csv.gz')
  const gas = csv('il-gas-hdd-only-hourly.csv.gz')
  const temperature = new Map(csv('il-tempF.csv.gz'))
  // A register reading at the end of each hour carries the hour's use; a first one at the start.
  const readings: { ts: number; iso: string; e: number; h: number; tempC?: number }[] = []
  let e = 0
  let h = 0
  const first = electricity[0]![0]
  readings.push({ ts: Date.parse(first), iso: first, e, h })
  for (let i = 0; i < electricity.length; i++) {
    const [start, kwh] = electricity[i]!
    e += kwh
    h += gas[i]![1] * KWH_PER_THERM
    const end = Date.parse(start) + HOUR
    const tempF = temperature.get(start)
    readings.push({
      ts: end,
      iso: new Date(end - 6 * HOUR).toISOString().replace('Z', '-06:00').replace('.000', ''),
      e,
      h,
      ...(tempF !== undefined && Number.isFinite(tempF) ? { tempC: ((tempF - 32) * 5) / 9 } : {}),
    })
  }
  // The temperature of an hour belongs to the hour it starts (the samples' `dt`).
  const batch: object[] = []
  const send = (at: number) => {
    ingest.handle(`schools/${SCHOOL}/gateways/gw-main`, Buffer.from(JSON.stringify(batch)), at)
    batch.length = 0
  }
  for (const [k, r] of readings.entries()) {
    batch.push({ meter: 'IL-E', ts: r.iso, energy_kwh: Math.round(r.e * 1000) / 1000 })
    batch.push({ meter: 'IL-H', ts: r.iso, energy_kwh: Math.round(r.h * 1000) / 1000 })
    const start = readings[k - 1]
    if (r.tempC !== undefined && start)
      batch.push({ meter: 'IL-T', ts: start.iso, temp_c: Math.round(r.tempC * 100) / 100 })
    if (batch.length >= 300) send(r.ts)
  }
  send(readings[readings.length - 1]!.ts)
  rollups.stop()
  const end = readings[readings.length - 1]!.ts
  const reports = new MonthlyReports({ registry, store, now: () => end })
  return { registry, store, reports }
}
