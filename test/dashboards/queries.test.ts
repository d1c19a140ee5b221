/**
 * Every panel query and every variable query of every generated dashboard, run against a real
 * InfluxDB (Debian's influxd 1.6, which speaks InfluxQL) holding about two and a half days of
 * the demo district, backfilled through MQTT and the service as gateways would send it. Grafana's
 * macros and variables are substituted the way Grafana does (grafana.ts); no query may fail or
 * come back empty. A few panels are then checked against faults injected into the simulated data.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_CONFIG_PATH } from '../../core/index.js'
import { backfill, createSimulation, Publisher, parseScenario } from '../../simulator/index.js'
import { type Influxd, startInfluxd } from '../helpers/influxd.js'
import { startTestService } from '../helpers/service.js'
import { demoRegistry } from '../helpers/simulated.js'
import {
  dateMath,
  interpolate,
  panelInterval,
  panelRange,
  type Range,
  type VariableValue,
} from './grafana.js'
import {
  type DashboardJson,
  loadGenerated,
  type PanelJson,
  panelsOf,
  provisionedDataSources,
} from './load.js'

const DB = 'schoolmeter'
/** A Sunday in the heating season, so that weekend, school day and night all show. */
const START = Date.parse('2025-12-07T00:00:00+08:00')
/** Grafana's "now" for the test: a Tuesday morning, on no boundary, as real time ranges never are. */
const NOW = Date.parse('2025-12-09T10:17:31.250+08:00')
const HOUR = 3_600_000

// Faults the spot checks below look for. Times are relative to START.
const SCENARIO = parseScenario(`
name: dashboards
faults:
  - { name: Canteen tap, type: drip_leak, meter: SP-W-CANTEEN, start: "+0h", rateLph: 2 }
  - { name: Kettle in A101, type: kettle, meter: RM-E-A101, start: "+34h", duration: 4m, watts: 2000 }
  - { name: Warm classroom, type: overheating, meter: RM-T-T301, start: "+32h", duration: 4h, targetC: 27 }
  - { name: Window open, type: frost, meter: SP-T-C101, start: "+10h", duration: 8h, towardC: 3 }
`)

type Series = { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }

let influx: Influxd
const generated = loadGenerated()
const minInterval = provisionedDataSources()[0]!.jsonData?.timeInterval
let panelQueries = 0
let variableQueries = 0

async function query(q: string): Promise<Series[]> {
  return (await influx.query(DB, q)) as unknown as Series[]
}

/** Data, not just an empty frame: at least one series with a value that is not null. */
function hasData(series: Series[]): boolean {
  return series.some((s) =>
    s.values.some((row) => row.some((v, i) => s.columns[i] !== 'time' && v !== null && v !== undefined)),
  )
}

beforeAll(async () => {
  influx = await startInfluxd()
  const svc = await startTestService({
    config: readFileSync(DEMO_CONFIG_PATH, 'utf8'),
    env: { INFLUX_URL: influx.url, INFLUX_DATABASE: DB },
  })
  const publisher = new Publisher({ url: `mqtt://127.0.0.1:${svc.mqttPort}`, qos: 1 })
  try {
    await publisher.connect()
    const sim = createSimulation({
      registry: demoRegistry,
      start: START,
      seed: 'dashboards',
      scenario: SCENARIO,
    })
    await backfill(sim, demoRegistry, publisher, NOW, { gateway: true, batchSize: 100, chunkMs: 6 * HOUR })
    await svc.writer!.flush()
  } finally {
    await publisher.end()
    await svc.stop()
  }
}, 120_000)

afterAll(async () => {
  await influx?.destroy()
})

/** A dashboard as Grafana opens it: its default range (or another), its variables at their defaults. */
async function open(d: DashboardJson, time = d.time) {
  const zone = d.timezone
  const range: Range = { from: dateMath(time.from, NOW, zone, false), to: dateMath(time.to, NOW, zone, true) }
  const variables = new Map<string, VariableValue>()
  for (const v of d.templating?.list ?? []) {
    let options: string[]
    if (v.type === 'constant') options = [v.query!]
    else if (v.type === 'custom') options = v.query!.split(',').map((o) => o.trim())
    else if (v.type === 'query') {
      const { text, unresolved } = interpolate(v.query!, { range, variables })
      expect(unresolved, `$${v.name}`).toEqual([])
      const series = await query(text)
      variableQueries++
      // SHOW TAG VALUES answers per measurement; Grafana lists each value once, sorted.
      options = [...new Set(series.flatMap((s) => s.values.map((row) => String(row[1]))))].sort()
      expect(options.length, `$${v.name} lists values`).toBeGreaterThan(0)
    } else throw new Error(`variable type ${v.type} is not emulated`)
    const current = ([] as string[]).concat(v.current?.value ?? [])
    const values = current.includes('$__all')
      ? options
      : current.filter((c) => options.includes(c)).length
        ? current.filter((c) => options.includes(c))
        : options.slice(0, 1) // Grafana selects the first option when nothing valid is selected
    variables.set(v.name, { name: v.name, values, multi: !!v.multi })
  }
  return { zone, range, variables }
}

/** Runs a panel's queries as Grafana would; each answer by refId. */
async function run(dash: Awaited<ReturnType<typeof open>>, panel: PanelJson) {
  const range = panelRange(dash.range, panel, NOW, dash.zone)
  const interval = panelInterval(range, panel, minInterval)
  const answers = new Map<string, Series[]>()
  for (const t of panel.targets ?? []) {
    if (t.hide) continue
    const { text, unresolved } = interpolate(t.query, { range, interval, variables: dash.variables })
    expect(unresolved, `${panel.title} ${t.refId}`).toEqual([])
    let series: Series[]
    try {
      series = await query(text)
    } catch (err) {
      throw new Error(`${panel.title} ${t.refId}: ${(err as Error).message}\n${text}`)
    }
    panelQueries++
    expect(hasData(series), `${panel.title} ${t.refId} returns data:\n${text}`).toBe(true)
    answers.set(t.refId!, series)
  }
  return answers
}

async function panelAnswers(file: string, title: string) {
  const d = generated.find((g) => g.file === file)!.dashboard
  const panel = panelsOf(d).find((p) => p.title === title)
  if (!panel) throw new Error(`no panel "${title}" in ${file}`)
  return run(await open(d), panel)
}

/** Rows of a table-format answer as objects. */
function rows(series: Series[]): Record<string, unknown>[] {
  return series.flatMap((s) =>
    s.values.map((v) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })),
  )
}

// Each dashboard twice: over its default range, and over the last 24 hours. The default ranges
// (a week, the month) start before the simulated data does; the last 24 hours start inside it, at
// an odd second, which is where InfluxDB 1.x's subquery quirks show (see dashboards/queries.ts).
const RANGES = [
  ['default range', undefined],
  ['last 24 hours', { from: 'now-24h', to: 'now' }],
] as const

describe('every query of every dashboard against InfluxDB with simulated data', () => {
  describe.each(RANGES)('%s', (_name, time) => {
    it.each(generated.map((g) => [g.file, g.dashboard] as const))('%s', async (_file, d) => {
      const dash = await open(d, time)
      for (const panel of panelsOf(d)) if (panel.type !== 'row') await run(dash, panel)
    })
  })

  it('ran them all', () => {
    const expectedPanel = generated.reduce(
      (n, g) => n + panelsOf(g.dashboard).reduce((m, p) => m + (p.targets?.length ?? 0), 0),
      0,
    )
    const expectedVariable = generated.reduce(
      (n, g) => n + (g.dashboard.templating?.list ?? []).filter((v) => v.type === 'query').length,
      0,
    )
    console.log(
      `dashboards: ran ${panelQueries + variableQueries} queries against InfluxDB ` +
        `(${panelQueries} panel, ${variableQueries} variable), each with data`,
    )
    expect(panelQueries).toBe(expectedPanel * RANGES.length)
    expect(variableQueries).toBe(expectedVariable * RANGES.length)
  })
})

describe('panels show what happened', () => {
  it('district water counts top-level meters only, not their sub-meters again', async () => {
    const [stat] = (await panelAnswers('district-overview.json', 'Water')).get('A')!
    const range = `time >= ${dateMath('now/M', NOW, 'Asia/Shanghai', false)}ms and time <= ${NOW}ms`
    const sum = async (where: string) =>
      (await query(`SELECT sum("used_l") / 1000 FROM "water" WHERE (${where}) AND ${range}`))[0]!
        .values[0]![1]
    const topLevel = await sum(`"meter" = 'SP-W-MAIN' OR "meter" = 'RM-W-MAIN' OR "meter" = 'EV-W-MAIN'`)
    const everything = (await sum(`"meter" =~ /./`)) as number
    expect(stat!.values[0]![1]).toBeCloseTo(topLevel as number, 6)
    expect(everything).toBeGreaterThan((topLevel as number) * 1.2)
  })

  it('coverage counts the hours with readings against the hours of the range', async () => {
    // The simulation reported every meter every hour from START on; the month began on Dec 1.
    const hoursWithData = Math.ceil((NOW - START) / HOUR)
    const hoursInMonth = Math.ceil((NOW - Date.parse('2025-12-01T00:00:00+08:00')) / HOUR)
    const cover = await panelAnswers('district-overview.json', 'Data coverage by school')
    for (const [refId, series] of cover) {
      for (const row of rows(series)) {
        const pct = Object.entries(row).find(([k]) => k.endsWith('_pct'))![1]
        expect(pct, `${refId} ${row.school}`).toBeCloseTo((100 * hoursWithData) / hoursInMonth, 6)
      }
    }
    const perMeter = rows(
      (await panelAnswers('data-quality.json', 'Hours with readings per meter')).get('A')!,
    )
    expect(perMeter.map((r) => r.pct)).toEqual(perMeter.map(() => 100))
  })

  it('the dripping canteen tap: 2 L/h in its quietest hour, water every hour, 2 L/h at night', async () => {
    const smallest = rows((await panelAnswers('water.json', 'Smallest hourly flow, last 24 hours')).get('A')!)
    const canteen = smallest.find((r) => r.meter === 'SP-W-CANTEEN')!
    expect(canteen.smallest_lph).toBeCloseTo(2, 1)
    expect(canteen.litres_per_day).toBeCloseTo(48, 0)
    expect(smallest.find((r) => r.meter === 'RM-W-CANTEEN')!.smallest_lph).toBeLessThan(0.5)

    const hours = (await panelAnswers('water.json', 'Hours with use per day')).get('A')!
    const monday = Date.parse('2025-12-08T00:00:00+08:00')
    const onMonday = (meter: string) =>
      hours.find((s) => s.tags?.meter === meter)!.values.find((v) => v[0] === monday)![1]
    expect(onMonday('SP-W-CANTEEN')).toBe(24)
    expect(onMonday('RM-W-CANTEEN')).toBeLessThan(24)

    const nights = (await panelAnswers('water.json', 'Night flow, 02:00–04:00')).get('A')!
    const canteenNights = nights.find((s) => s.tags?.meter === 'SP-W-CANTEEN')!.values
    // Every night on screen, this morning's included, at 02:00 local.
    for (const night of ['2025-12-07', '2025-12-08', '2025-12-09']) {
      const v = canteenNights.find((row) => row[0] === Date.parse(`${night}T02:00:00+08:00`))
      expect(v?.[1], night).toBeCloseTo(2, 1)
    }
  })

  it('the kettle in room A101 is the highest room peak', async () => {
    const peaks = rows((await panelAnswers('electricity.json', 'Room peaks')).get('A')!)
    const sorted = peaks.sort((a, b) => (b.peak as number) - (a.peak as number))
    expect(sorted[0]!.space).toBe('a101')
    expect(sorted[0]!.peak).toBeGreaterThanOrEqual(2000)
    expect(sorted[1]!.peak).toBeLessThan(800)
  })

  it("a school day's day and night halves add up to the day's consumption", async () => {
    const pairs = (await panelAnswers('electricity.json', 'Day (06–18) and night (18–06) per day')).get('A')!
    const sunshine = pairs.find((s) => s.tags?.school === 'sunshine-primary')!
    const from = Date.parse('2025-12-08T06:00:00+08:00')
    const [, day, night] = sunshine.values.find((v) => v[0] === from) as [number, number, number]
    const [whole] = await query(
      `SELECT sum("used_kwh") FROM "electricity" WHERE "meter" = 'SP-E-MAIN' AND time >= ${from}ms AND time < ${from + 24 * HOUR}ms`,
    )
    expect(day + night).toBeCloseTo(whole!.values[0]![1] as number, 6)
    expect(day).toBeGreaterThan(night)
  })

  it('the overheated classroom and the room with the open window stand out', async () => {
    const answers = await panelAnswers('heating.json', 'Hours outside the band per room')
    const above = rows(answers.get('B')!)
    expect(above.find((r) => r.meter === 'RM-T-T301')?.above).toBeGreaterThanOrEqual(3)
    const below = rows(answers.get('A')!)
    expect(below.find((r) => r.meter === 'SP-T-C101')?.below).toBeGreaterThanOrEqual(8)
  })
})
