/**
 * Every panel query, annotation query and variable query of every generated dashboard, run
 * against a real InfluxDB (Debian's influxd 1.6, which speaks InfluxQL) holding about three and a
 * half days of the demo district, backfilled through MQTT and the service as gateways would send
 * it — readings, and the alert transitions the service's rules raise on them. Grafana's macros and
 * variables are substituted the way Grafana does (grafana.ts); no query may fail or come back
 * empty. A few panels are then checked against faults injected into the simulated data and
 * against the alerts the service holds.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Alert } from '../../core/alert.js'
import { type MessageKey, type MessageParams, t } from '../../core/i18n/index.js'
import { DEMO_CONFIG_PATH } from '../../core/index.js'
import {
  backfill,
  createSimulation,
  EXPECTED_RULE,
  Publisher,
  parseScenario,
  resolveScenario,
} from '../../simulator/index.js'
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
  type AnnotationJson,
  annotationsOf,
  type DashboardJson,
  loadGenerated,
  type PanelJson,
  panelsOf,
  provisionedDataSources,
} from './load.js'

const DB = 'schoolmeter'
/**
 * A Saturday in the heating season, so that weekend, school day and night all show, and so that
 * three whole days lie before Tuesday: `electricity.after_hours` judges nothing before it has
 * the base load of three days.
 */
const START = Date.parse('2025-12-06T00:00:00+08:00')
/** Grafana's "now" for the test: a Tuesday morning, on no boundary, as real time ranges never are. */
const NOW = Date.parse('2025-12-09T10:17:31.250+08:00')
const HOUR = 3_600_000

// Faults the spot checks below look for; times are relative to START (Saturday 00:00, so +24h is
// Sunday 00:00 and +72h Tuesday 00:00). Between them they raise alerts of every rule family the
// dashboards show, both changing within the last 24 hours (from Monday 10:17) and still active
// at NOW, because each alert table asks both questions and every query must return data:
// - the canteen tap: water.continuous_flow from Monday 00:00, still open, and water.after_hours_flow
//   every night (the main meter sees the drip too);
// - the open window: heat.frost_risk on Sunday; the warm classroom: heat.overheating on Monday;
//   the welding workshop: heat.overheating from Tuesday 09:00, still open;
// - the kettle: electricity.high_power_appliance on Monday 10:01, resolved minutes later; the
//   heater: the same rule from Tuesday 09:31, escalated to critical after 15 minutes, still open;
// - the workshop left on overnight: electricity.after_hours on Tuesday from 00:00 to 06:00, raised
//   once the waste has lasted three hours (the workshop meter and the main meter above it);
// - the replaced water meter: meter.register_anomaly (a reset) on Monday 14:00, open for a day.
// meter.offline is not among them: it runs on the wall clock (RULES.md), and a backfill delivers
// three days in seconds, so no meter is ever silent long enough; and had it fired, its
// transitions would carry the wall-clock time of the test run, far outside these ranges. A
// `meter_offline` fault only leaves a gap in the readings. People acknowledging alerts (status
// `acknowledged`) likewise happen on the wall clock and are not simulated.
const SCENARIO = parseScenario(`
name: dashboards
faults:
  - { name: Canteen tap, type: drip_leak, meter: SP-W-CANTEEN, start: "+24h", rateLph: 2 }
  - { name: Window open, type: frost, meter: SP-T-C101, start: "+34h", duration: 8h, towardC: 3 }
  - { name: Warm classroom, type: overheating, meter: RM-T-T301, start: "+56h", duration: 4h, targetC: 27 }
  - { name: Kettle in A101, type: kettle, meter: RM-E-A101, start: "+58h", duration: 4m, watts: 2000 }
  - { name: Workshop water meter replaced, type: meter_replacement, meter: EV-W-WORKSHOP, start: "+62h" }
  - { name: Workshop left on overnight, type: after_hours_load, meter: EV-E-WORKSHOP, start: "+72h", duration: 6h, watts: 8000 }
  - { name: Warm welding workshop, type: overheating, meter: EV-T-WELD, start: "+78h", targetC: 28 }
  - { name: Heater in A101, type: heater, meter: RM-E-A101, start: "+81.5h", watts: 1500 }
`)

type Series = { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }

let influx: Influxd
const generated = loadGenerated()
const minInterval = provisionedDataSources()[0]!.jsonData?.timeInterval
let panelQueries = 0
let annotationQueries = 0
let variableQueries = 0
/** The service's own record of its alerts when the backfill was done: the truth the panels must show. */
let alertsInStore: Alert[] = []

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
    // The savings report's row of the month, as the nightly schedule writes it (monthly_report).
    expect(await svc.reportMonth('2025-12')).toBeGreaterThan(0)
    // Alert transitions and report rows go through the same writer as the readings.
    await svc.alerts.idle()
    await svc.writer!.flush()
    alertsInStore = await svc.store.alerts.list({ limit: 10_000 })
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

/**
 * Runs an annotation query as Grafana's InfluxDB data source does: over the dashboard's range,
 * with its variables and no interval. Grafana then reads the time, the text column and the tag
 * columns of each row; they must all be there.
 */
async function annotate(dash: Awaited<ReturnType<typeof open>>, a: AnnotationJson) {
  const t = a.target!
  const { text, unresolved } = interpolate(t.query, { range: dash.range, variables: dash.variables })
  expect(unresolved, `annotation ${a.name}`).toEqual([])
  let series: Series[]
  try {
    series = await query(text)
  } catch (err) {
    throw new Error(`annotation ${a.name}: ${(err as Error).message}\n${text}`)
  }
  annotationQueries++
  expect(hasData(series), `annotation ${a.name} returns data:\n${text}`).toBe(true)
  for (const s of series) {
    for (const column of ['time', t.textColumn!, ...t.tagsColumn!.split(',')])
      expect(s.columns, `annotation ${a.name}`).toContain(column)
  }
  return series
}

/** A panel by its title, named by its catalogue key: the dashboards are in the district's language. */
async function panelAnswers(
  file: string,
  titleKey: MessageKey | [MessageKey, MessageParams],
  time?: { from: string; to: string },
) {
  const d = generated.find((g) => g.file === file)!.dashboard
  const [key, params] = typeof titleKey === 'string' ? [titleKey] : titleKey
  const title = t(demoRegistry.locale, key, params)
  const panel = panelsOf(d).find((p) => p.title === title)
  if (!panel) throw new Error(`no panel "${title}" in ${file}`)
  return run(await open(d, time), panel)
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
      for (const a of annotationsOf(d)) await annotate(dash, a)
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
    const expectedAnnotation = generated.reduce((n, g) => n + annotationsOf(g.dashboard).length, 0)
    console.log(
      `dashboards: ran ${panelQueries + annotationQueries + variableQueries} queries against InfluxDB ` +
        `(${panelQueries} panel, ${annotationQueries} annotation, ${variableQueries} variable), each with data`,
    )
    expect(panelQueries).toBe(expectedPanel * RANGES.length)
    expect(annotationQueries).toBe(expectedAnnotation * RANGES.length)
    expect(expectedAnnotation).toBeGreaterThan(0)
    expect(variableQueries).toBe(expectedVariable * RANGES.length)
  })
})

describe('panels show what happened', () => {
  it('district water counts top-level meters only, not their sub-meters again', async () => {
    const [stat] = (await panelAnswers('district-overview.json', ['dash.utility', { kind: 'water' }])).get(
      'A',
    )!
    const range = `time >= ${dateMath('now/M', NOW, 'Asia/Shanghai', false)}ms and time <= ${NOW}ms`
    const sum = async (where: string) =>
      (await query(`SELECT sum("used_l") / 1000 FROM "water" WHERE (${where}) AND ${range}`))[0]!
        .values[0]![1]
    const topLevel = await sum(`"meter" = 'SP-W-MAIN' OR "meter" = 'RM-W-MAIN' OR "meter" = 'EV-W-MAIN'`)
    const everything = (await sum(`"meter" =~ /./`)) as number
    expect(stat!.values[0]![1]).toBeCloseTo(topLevel as number, 6)
    expect(everything).toBeGreaterThan((topLevel as number) * 1.2)
  })

  it('the savings table shows each school and utility’s latest monthly row, with its method and gate', async () => {
    const answers = await panelAnswers('monthly-savings.json', 'savings.dashboard.savings')
    const got = rows(answers.get('A')!)
    // Three and a half days of data: no baseline yet, so no savings, but the rows are there.
    expect(got.map((r) => `${r.school} ${r.utility}`).sort()).toEqual(
      [...demoRegistry.schools.keys()]
        .flatMap((s) => ['electricity', 'heat', 'water'].map((u) => `${s} ${u}`))
        .sort(),
    )
    for (const r of got) expect(r).toMatchObject({ method: 'none', savingsPct: null })
  })

  it('coverage counts the hours with readings against the hours of the range', async () => {
    // The simulation reported every meter every hour from START on; the month began on Dec 1.
    const hoursWithData = Math.ceil((NOW - START) / HOUR)
    const hoursInMonth = Math.ceil((NOW - Date.parse('2025-12-01T00:00:00+08:00')) / HOUR)
    const cover = await panelAnswers('district-overview.json', 'dash.district.coverage.title')
    for (const [refId, series] of cover) {
      for (const row of rows(series)) {
        const pct = Object.entries(row).find(([k]) => k.endsWith('_pct'))![1]
        expect(pct, `${refId} ${row.school}`).toBeCloseTo((100 * hoursWithData) / hoursInMonth, 6)
      }
    }
    const perMeter = rows((await panelAnswers('data-quality.json', 'dash.dq.coverage.title')).get('A')!)
    expect(perMeter.map((r) => r.pct)).toEqual(perMeter.map(() => 100))
  })

  it('the dripping canteen tap: 2 L/h in its quietest hour, water every hour, 2 L/h at night', async () => {
    const smallest = rows((await panelAnswers('water.json', 'dash.water.smallest.title')).get('A')!)
    const canteen = smallest.find((r) => r.meter === 'SP-W-CANTEEN')!
    expect(canteen.smallest_lph).toBeCloseTo(2, 1)
    expect(canteen.litres_per_day).toBeCloseTo(48, 0)
    expect(smallest.find((r) => r.meter === 'RM-W-CANTEEN')!.smallest_lph).toBeLessThan(0.5)

    const hours = (await panelAnswers('water.json', 'dash.water.hours.title')).get('A')!
    const monday = Date.parse('2025-12-08T00:00:00+08:00')
    const onMonday = (meter: string) =>
      hours.find((s) => s.tags?.meter === meter)!.values.find((v) => v[0] === monday)![1]
    expect(onMonday('SP-W-CANTEEN')).toBe(24)
    expect(onMonday('RM-W-CANTEEN')).toBeLessThan(24)

    const nights = (await panelAnswers('water.json', 'dash.water.night.title')).get('A')!
    const canteenNights = nights.find((s) => s.tags?.meter === 'SP-W-CANTEEN')!.values
    // Every night on screen, this morning's included, at 02:00 local.
    for (const night of ['2025-12-07', '2025-12-08', '2025-12-09']) {
      const v = canteenNights.find((row) => row[0] === Date.parse(`${night}T02:00:00+08:00`))
      expect(v?.[1], night).toBeCloseTo(2, 1)
    }
  })

  it('the kettle in room A101 is the highest room peak', async () => {
    const peaks = rows((await panelAnswers('electricity.json', 'dash.el.peaks.title')).get('A')!)
    const sorted = peaks.sort((a, b) => (b.peak as number) - (a.peak as number))
    expect(sorted[0]!.space).toBe('a101')
    expect(sorted[0]!.peak).toBeGreaterThanOrEqual(2000)
    expect(sorted[1]!.peak).toBeLessThan(800)
  })

  it("a school day's day and night halves add up to the day's consumption", async () => {
    const pairs = (await panelAnswers('electricity.json', 'dash.el.dayNight.title')).get('A')!
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
    const answers = await panelAnswers('heating.json', 'dash.heat.outside.title')
    const above = rows(answers.get('B')!)
    expect(above.find((r) => r.meter === 'RM-T-T301')?.above).toBeGreaterThanOrEqual(3)
    const below = rows(answers.get('A')!)
    expect(below.find((r) => r.meter === 'SP-T-C101')?.below).toBeGreaterThanOrEqual(8)
  })
})

const LAST_24_HOURS = { from: 'now-24h', to: 'now' }

/** Grafana's merge transformation on table answers with the same columns: a row equal to one already there is shown once. */
function merged(...answers: Series[][]): Record<string, unknown>[] {
  const byValues = new Map<string, Record<string, unknown>>()
  for (const row of answers.flatMap(rows)) byValues.set(JSON.stringify(Object.entries(row).sort()), row)
  return [...byValues.values()]
}

describe('alert panels show what the rules raised', () => {
  it('every transition reached InfluxDB, and every fault raised the alert of its rule', async () => {
    const points = rows(await query(`SELECT "id", "rule", "meter", "transition" FROM "alerts"`))
    const ids = (xs: { id?: unknown }[]) => xs.map((x) => x.id as number).sort((a, b) => a - b)
    const opened = points.filter((p) => p.transition === 'opened')
    expect(ids(opened)).toEqual(ids(alertsInStore))
    expect(ids(points.filter((p) => p.transition === 'resolved'))).toEqual(
      ids(alertsInStore.filter((a) => a.status === 'resolved')),
    )
    expect(points.some((p) => p.transition === 'escalated' && p.meter === 'RM-E-A101')).toBe(true)
    for (const f of resolveScenario(SCENARIO, demoRegistry, START)) {
      const rule = EXPECTED_RULE[f.type]
      if (!rule || !('meter' in f)) continue
      expect(
        opened.some((p) => p.rule === rule && p.meter === f.meter),
        `${f.name}: ${rule} on ${f.meter}`,
      ).toBe(true)
    }
  })

  it('the district lists exactly the alerts the service holds active, with their status and severity', async () => {
    const answers = await panelAnswers('district-overview.json', 'dash.district.alerts.title')
    const active = rows(answers.get('A')!)
    const inStore = alertsInStore.filter((a) => a.status !== 'resolved')
    const key = (r: { meter?: unknown; rule?: unknown; id?: unknown }) => `${r.meter} ${r.rule} ${r.id}`
    expect(active.map(key).sort()).toEqual(inStore.map(key).sort())
    for (const r of active) {
      // The message is the one of the alert's latest transition; the service refreshes its own
      // copy while the condition lasts (the API shows that one).
      const a = inStore.find((x) => x.id === r.id)!
      expect([r.status, r.severity], key(r)).toEqual([a.status, a.severity])
      expect(r.message, key(r)).toMatch(/\S/)
    }
    // The heater escalated from warning to critical: one row, critical, not a second one as a warning.
    expect(active.filter((r) => r.meter === 'RM-E-A101').map((r) => r.severity)).toEqual(['critical'])

    const counts = await panelAnswers('district-overview.json', [
      'dash.district.counts.title',
      { tag: 'school' },
    ])
    const bySchool = (xs: { school?: unknown }[]) => {
      const n: Record<string, number> = {}
      for (const x of xs) n[x.school as string] = (n[x.school as string] ?? 0) + 1
      return n
    }
    // The month began before the simulation: every alert was opened in the range.
    const opened = Object.fromEntries(rows(counts.get('A')!).map((r) => [r.school, r.opened]))
    expect(opened).toEqual(bySchool(alertsInStore))
    const activeCounts = Object.fromEntries(rows(counts.get('B')!).map((r) => [r.school, r.active]))
    expect(activeCounts).toEqual(bySchool(inStore))
  })

  it('over the last 24 hours: the leak opened before them, what changed within them, each alert once', async () => {
    const from = NOW - 24 * HOUR
    const water = await panelAnswers('water.json', 'dash.water.alerts.title', LAST_24_HOURS)
    const leak = rows(water.get('A')!).find(
      (r) => r.meter === 'SP-W-CANTEEN' && r.rule === 'water.continuous_flow',
    )
    expect(leak?.status).toBe('open')
    expect(leak?.time as number).toBeLessThan(from)
    const changed = rows(water.get('B')!)
    for (const r of changed) expect(r.time as number).toBeGreaterThanOrEqual(from)
    expect(
      changed.find((r) => r.meter === 'SP-W-CANTEEN' && r.rule === 'water.after_hours_flow')?.status,
    ).toBe('resolved')

    const electricity = await panelAnswers('electricity.json', 'dash.el.alerts.title', LAST_24_HOURS)
    const table = merged(electricity.get('A')!, electricity.get('B')!)
    // The heater is active at the end and escalated within the range: in both answers, one row.
    expect(table.filter((r) => r.meter === 'RM-E-A101')).toMatchObject([
      {
        rule: 'electricity.high_power_appliance',
        status: 'open',
        severity: 'critical',
        transition: 'escalated',
      },
    ])
    expect(table.find((r) => r.meter === 'EV-E-WORKSHOP')).toMatchObject({
      rule: 'electricity.after_hours',
      status: 'resolved',
    })

    const heat = await panelAnswers('heating.json', 'dash.heat.alerts.title', LAST_24_HOURS)
    expect(
      merged(heat.get('A')!, heat.get('B')!)
        .map((r) => `${r.meter} ${r.status}`)
        .sort(),
    ).toEqual(['EV-T-WELD open', 'RM-T-T301 resolved'])

    const meters = await panelAnswers('data-quality.json', 'dash.dq.alerts.title', LAST_24_HOURS)
    expect(merged(meters.get('A')!, meters.get('B')!)).toMatchObject([
      { meter: 'EV-W-WORKSHOP', rule: 'meter.register_anomaly', status: 'open' },
    ])
  })

  it("the school overview annotates every transition of the school's alerts", async () => {
    const d = generated.find((g) => g.file === 'school-overview.json')!.dashboard
    const dash = await open(d)
    const school = dash.variables.get('school')!.values[0]
    const [annotation] = annotationsOf(d)
    const events = rows(await annotate(dash, annotation!))
    const expected = (
      await query(
        `SELECT "transition" FROM "alerts" WHERE "school" = '${school}' AND time >= ${dash.range.from}ms AND time <= ${dash.range.to}ms`,
      )
    ).flatMap((s) => s.values)
    expect(events.length).toBe(expected.length)
    expect(events.every((e) => typeof e.message === 'string' && (e.message as string).length > 0)).toBe(true)
    expect(events.map((e) => `${e.rule} ${e.transition}`)).toEqual(
      expect.arrayContaining(['meter.register_anomaly opened', 'electricity.after_hours resolved']),
    )
  })
})
