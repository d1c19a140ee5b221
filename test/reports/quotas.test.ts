/**
 * Quotas on a simulated term: two like primary schools, readings through the real ingest and
 * rollups from August 2025 to the end of the autumn term 2026 (so that the previous year gives
 * normal weather). Each school's quota for the term is 95 % of what it used over the same days a
 * year before — a district asking for 5 % less. North Primary cuts nothing; South Primary cuts its
 * use by 10 % from the first day of term. Every night of the term the watch projects the term to
 * its end through the real alert manager: North must be warned at least two weeks before it crosses
 * its quota, South never; and the projection made at mid-term must be close to what the term came to.
 */

import { beforeAll, describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { buildApi } from '../../api/server.js'
import { Bus } from '../../core/bus.js'
import { parseConfig } from '../../core/config/load.js'
import type { DistrictConfig } from '../../core/config/schema.js'
import { createMetrics } from '../../core/metrics.js'
import { Router } from '../../notify/index.js'
import { addDays } from '../../reports/daily.js'
import { type Projection, project } from '../../reports/quotas.js'
import { QuotaWatch } from '../../reports/quotaWatch.js'
import { AlertManager } from '../../rules/index.js'
import { testLog } from '../helpers/log.js'
import { history, twoSchools } from '../helpers/reporting.js'

const DAY = 86_400_000
const TERM = { from: '2026-09-01', to: '2027-01-22' }
const UTILITIES = ['water', 'electricity', 'heat'] as const

describe('quotas paced by the school calendar', async () => {
  const h = await history({
    config: twoSchools(),
    from: '2025-08-01T00:00:00+08:00',
    to: '2027-01-23T00:00:00+08:00',
    scenario: `faults:
  - { name: Savings campaign, type: usage_change, school: south-primary, start: "2026-09-01T00:00:00+08:00", factor: 0.9 }
`,
  })
  const used = (school: string, utility: string, from: string, to: string) => {
    const s = h.registry.schools.get(school)!
    const meters = [...s.meters.values()].filter((m) => m.kind === utility && !m.parent).map((m) => m.id)
    const start = Date.parse(`${from}T00:00:00+08:00`)
    const end = Date.parse(`${addDays(to, 1)}T00:00:00+08:00`)
    return h.store.rollups.totals(meters, start, end).used / (utility === 'water' ? 1000 : 1)
  }
  // The district gives the two like schools one quota per utility: 95 % of what a school of their
  // kind uses in this term (North's use, as it cuts nothing).
  const config = parse(twoSchools()) as DistrictConfig
  const quota = Object.fromEntries(
    UTILITIES.map((u) => [
      u,
      { terms: { '2026年秋季学期': Math.round(0.95 * used('north-primary', u, TERM.from, TERM.to)) } },
    ]),
  )
  for (const s of config.schools) s.quotas = quota
  const { registry } = parseConfig(stringify(config), 'quotas.yaml')
  const alerts = new AlertManager({
    registry,
    store: h.store,
    router: new Router({ registry, email: false, env: {} }),
    bus: new Bus(),
    log: testLog,
    now: () => Date.parse('2027-01-23T00:00:00+08:00'),
  })
  const watch = new QuotaWatch({ registry, store: h.store, alerts, log: testLog })

  // Every night of the term, the day's readings in.
  const nights = new Map<string, Projection[]>()
  beforeAll(async () => {
    for (let asOf = addDays(TERM.from, 6); asOf < TERM.to; asOf = addDays(asOf, 1))
      for (const school of registry.schools.values())
        nights.set(
          `${school.id} ${asOf}`,
          await watch.check(school, asOf, Date.parse(`${addDays(asOf, 1)}T02:30:00+08:00`)),
        )
  }, 600_000)

  const limit = (school: string, utility: string) =>
    registry.schools.get(school)!.quotas[utility as 'water']!.terms!['2026年秋季学期']!
  /** The first day the term's actual use passed the quota. */
  const crossed = (school: string, utility: string) => {
    let total = 0
    for (let d = TERM.from; d <= TERM.to; d = addDays(d, 1)) {
      total += used(school, utility, d, d)
      if (total > limit(school, utility)) return d
    }
    return undefined
  }
  const firstWarned = async (school: string, utility: string) => {
    const incident = (await h.store.incidents.list({ school, family: 'quota' }))
      .filter((i) => i.rule === 'quota.term' && registry.meters.get(i.meter)!.kind === utility)
      .sort((a, b) => a.openedAt - b.openedAt)[0]
    return incident?.openedAt
  }
  const midTerm = addDays(TERM.from, Math.round((Date.parse(TERM.to) - Date.parse(TERM.from)) / DAY / 2))

  it('warns a school cutting nothing at least two weeks before it crosses its quota', async () => {
    for (const utility of UTILITIES) {
      const crossing = crossed('north-primary', utility)
      expect(crossing, utility).toBeDefined()
      const warned = await firstWarned('north-primary', utility)
      expect(warned, utility).toBeDefined()
      const lead = (Date.parse(`${crossing}T00:00:00+08:00`) - warned!) / DAY
      expect(lead, utility).toBeGreaterThanOrEqual(14)
      // The incident says when, and by how much.
      const incident = (await h.store.incidents.list({ school: 'north-primary', family: 'quota' })).find(
        (i) => registry.meters.get(i.meter)!.kind === utility,
      )!
      expect(incident.evidence).toMatchObject({ limit: limit('north-primary', utility) })
      expect(incident.evidence.crossesOn).toMatch(/^\d{4}-\d{2}-\d{2}$/)
      expect(incident.evidence.overBy).toBeGreaterThan(0)
    }
  })

  it('never warns a school that cut its use', async () => {
    expect(await h.store.incidents.list({ school: 'south-primary', family: 'quota' })).toEqual([])
    for (const utility of UTILITIES) expect(crossed('south-primary', utility), utility).toBeUndefined()
  })

  it('projects the term at mid-term to within a few per cent of what it came to', () => {
    const errors: string[] = []
    for (const school of ['north-primary', 'south-primary'])
      for (const utility of UTILITIES) {
        const p = nights
          .get(`${school} ${midTerm}`)!
          .find((x) => x.utility === utility && x.period.kind === 'term')!
        const actual = used(school, utility, TERM.from, TERM.to)
        const error = p.projected / actual - 1
        errors.push(`${school} ${utility}: ${(error * 100).toFixed(1)} %`)
        // Mid-term falls before the heating season: heat is projected from last winter alone, in
        // normal weather, so South's cut does not show yet (nor does it warn: the projection is
        // indicative until two weeks of this winter are in).
        expect(Math.abs(error), `${school} ${utility}`).toBeLessThan(utility === 'heat' ? 0.15 : 0.03)
      }
    console.info(`projection error at mid-term (${midTerm}): ${errors.join('; ')}`)
  })

  it('is served over HTTP, as JSON and CSV', async () => {
    const ok = { ok: true, detail: { key: 'health.influx.off' as const } }
    const app = await buildApi({
      registry,
      store: h.store,
      metrics: createMetrics({ defaultMetrics: false }),
      log: testLog,
      version: 'test',
      meterStatus: () => undefined,
      health: () => ({ ingest: ok, store: ok, influx: ok, archive: false }),
    })
    try {
      const r = await app.inject({ url: `/api/v1/reports/quotas?school=north-primary&asOf=${midTerm}` })
      expect(r.statusCode).toBe(200)
      expect(r.json()).toEqual(JSON.parse(JSON.stringify(nights.get(`north-primary ${midTerm}`))))
      const csv = await app.inject({ url: `/api/v1/reports/quotas?asOf=${midTerm}&format=csv&lang=en` })
      expect(csv.body.split('\r\n')[0]).toContain('Projected at the end')
      expect(csv.body.split('\r\n')).toHaveLength(1 + 6 + 1)
    } finally {
      await app.close()
    }
  })

  it('counts the calendar: the days left are school days and holidays as the terms and holidays say', () => {
    const p = nights.get(`north-primary ${midTerm}`)!.find((x) => x.utility === 'electricity')!
    const cal = registry.schools.get('north-primary')!
    let school = 0
    let other = 0
    for (let d = addDays(midTerm, 1); d <= TERM.to; d = addDays(d, 1)) {
      const weekday = new Date(`${d}T00:00:00Z`).getUTCDay()
      const holiday = cal.calendar.holidays.some((x) => x.start <= d && d <= x.end)
      if (weekday >= 1 && weekday <= 5 && !holiday) school++
      else other++
    }
    expect([p.schoolDaysLeft, p.otherDaysLeft]).toEqual([school, other])
  })
}, 600_000)

describe('the projection', () => {
  it('adds the use to date to each day left at its kind’s rate, and finds the day the quota is crossed', () => {
    const days = [
      { date: '2026-09-01', use: 10, school: true, hdd: 0 },
      { date: '2026-09-02', use: 12, school: true, hdd: 0 },
      { date: '2026-09-05', use: 2, school: false, hdd: 0 },
      { date: '2026-09-07', school: true, hdd: 0 },
      { date: '2026-09-08', school: false, hdd: 0 },
      { date: '2026-09-09', school: true, hdd: 0 },
    ]
    const p = project({
      school: 's',
      utility: 'electricity',
      period: { kind: 'term', name: 't', from: '2026-09-01', to: '2026-09-09', limit: 40 },
      asOf: '2026-09-05',
      days,
      window: days.slice(0, 3),
    })
    expect(p.usedToDate).toBe(24)
    expect(p.perSchoolDay).toBe(11)
    expect(p.perOtherDay).toBe(2)
    expect(p.projected).toBe(24 + 11 + 2 + 11)
    expect(p.crossesOn).toBe('2026-09-09')
    expect(p.overBy).toBe(8)
    expect([p.schoolDaysLeft, p.otherDaysLeft]).toEqual([2, 1])
  })
})
