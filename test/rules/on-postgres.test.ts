/**
 * The alert lifecycle with the app store on PostgreSQL: the real ingest, rule engine, alert
 * manager and notification planning, one story of faults and people's actions, played on SQLite
 * and on PostgreSQL — the same alerts, incidents, transitions and notifications come out of both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresAppStore } from '../../store/index.js'
import type { AppStore } from '../../store/types.js'
import { alerting, HOUR, MIN, series } from '../helpers/alerting.js'
import { type Postgres, startPostgres } from '../helpers/postgres.js'

const MON = Date.parse('2026-11-16T00:00:00+08:00')

let server: Postgres
beforeAll(async () => {
  server = await startPostgres()
})
afterAll(async () => {
  await server?.stop()
})

/** A 3-minute kettle in dorm room r101 at `at`. */
function kettle(at: number) {
  let kwh = 10
  return series(at - 2 * MIN, 10_000, 60, (t) => {
    const p = 100 + (t >= at && t < at + 3 * MIN ? 2000 : 0)
    kwh += (p * 10) / 3.6e6
    return { energy_kwh: Math.round(kwh * 1e6) / 1e6, power_w: p, pf: 0.99 }
  })
}

/** Hourly water readings flowing `hours` hours from `from` on W-HOURLY. */
function flowing(from: number, hours: number, start = 10) {
  return series(from, HOUR, hours, (_t, i) => ({ volume_m3: start + i * 0.003 }))
}

/** Everything the story left in the app store. */
async function contents(store: AppStore) {
  const alerts = await store.alerts.list()
  const incidents = await store.incidents.list()
  return {
    alerts,
    alertEvents: await Promise.all(alerts.map((a) => store.alerts.events(a.id))),
    incidents,
    incidentEvents: await Promise.all(incidents.map((i) => store.incidents.events(i.id))),
    outbox: await store.outbox.all(),
  }
}

/** Leaks, kettles and people, in event time, with the wall clock moving along. */
async function story(appStore?: Awaited<ReturnType<typeof openPostgresAppStore>>) {
  let clock = MON
  const h = await alerting(undefined, { now: () => clock, ...(appStore ? { appStore } : {}) })
  // A tap left running: the continuous-flow alert; the caretaker takes it, then calls it a refill.
  h.feed('W-HOURLY', flowing(MON, 26))
  clock = MON + 26 * HOUR
  await h.settled()
  const [flow] = await h.store.alerts.list({ rule: 'water.continuous_flow' })
  await h.alerts.acknowledge(flow!.id, 'caretaker Li', 'on my way')
  clock += 10 * MIN
  await h.alerts.resolve(flow!.id, 'caretaker Li', 'pool refill, not a leak', true)
  // Two kettles in a dorm room, an hour apart, and the flow going on.
  for (const at of ['2026-11-17T20:00:00+08:00', '2026-11-17T21:00:00+08:00']) {
    clock = Date.parse(at) + 5 * MIN
    h.feed('E-R101', kettle(Date.parse(at)))
    await h.settled()
  }
  h.feed('W-HOURLY', flowing(MON + 26 * HOUR, 30, 10 + 26 * 0.003))
  clock = MON + 56 * HOUR
  await h.settled()
  const result = await contents(h.store)
  await h.stop()
  return result
}

describe('the alert lifecycle with the app store on PostgreSQL', () => {
  it('gives the same alerts, incidents, transitions and notifications as on SQLite', async () => {
    const expected = await story()
    const name = 'story'
    await server.query(`CREATE DATABASE ${name}`)
    const got = await story(await openPostgresAppStore(server.url.replace(/\/[^/]*$/, `/${name}`)))
    // The story did something: alerts of both rules, people's transitions, notifications queued.
    expect(expected.alerts.map((a) => a.rule)).toEqual(
      expect.arrayContaining(['water.continuous_flow', 'electricity.high_power_appliance']),
    )
    expect(expected.alertEvents.flat().map((e) => e.by)).toContain('caretaker Li')
    expect(expected.incidents.length).toBeGreaterThan(0)
    expect(expected.outbox.length).toBeGreaterThan(0)
    expect(got).toEqual(expected)
  })
})
