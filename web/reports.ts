/**
 * For heads and the district office: the monthly savings report (savings against the baseline and
 * their uncertainty where the report has it), the league table (only figures that pass the gates;
 * the others apart, with the reason), the year to date, a CSV download and a print layout; and the
 * start-of-term readiness checklist per school, printable. The figures are the monthly report
 * API's own rows (reports/), rendered for the reader.
 */
import type { FastifyInstance } from 'fastify'
import { monthAt } from '../api/index.js'
import { t } from '../core/i18n/index.js'
import {
  itemLine,
  MONTHLY_COLUMNS,
  type MonthlyRow,
  type ReadinessReport,
  rankingView,
  shiftMonth,
  toCsv,
  UTILITIES,
  type Utility,
} from '../reports/index.js'
import type { Web } from './index.js'

type ReadinessCheck = ReadinessReport['checks'][number]

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/

export interface YearToDate {
  school: string
  name: string
  unit: string
  actual: number
  /** Over the months that have an expected figure. */
  expected?: number
  savings?: number
  savingsPct?: number
  months: number
  monthsCompared: number
}

/** January to `month` of its year, per school: what was used, and against the expected where known. */
export function yearToDate(rowsByMonth: MonthlyRow[][], names: (id: string) => string): YearToDate[] {
  const out = new Map<string, YearToDate & { actualCompared: number }>()
  for (const rows of rowsByMonth)
    for (const r of rows) {
      let y = out.get(r.school)
      if (!y) {
        y = {
          school: r.school,
          name: names(r.school),
          unit: r.unit,
          actual: 0,
          months: 0,
          monthsCompared: 0,
          actualCompared: 0,
        }
        out.set(r.school, y)
      }
      y.actual += r.actual
      y.months++
      if (r.expected !== undefined) {
        y.expected = (y.expected ?? 0) + r.expected
        y.actualCompared += r.actual
        y.monthsCompared++
      }
    }
  return [...out.values()].map(({ actualCompared, ...y }) =>
    y.expected !== undefined && y.expected > 0
      ? {
          ...y,
          savings: y.expected - actualCompared,
          savingsPct: ((y.expected - actualCompared) / y.expected) * 100,
        }
      : y,
  )
}

export function reportPages(app: FastifyInstance, web: Web): void {
  const { d, views } = web
  const route = { config: { access: 'public' as const }, schema: { hide: true }, preHandler: web.guard() }
  const firstSchool = () => [...d.registry.schools.values()][0]
  const name = (id: string) => d.registry.schools.get(id)?.name ?? id

  const choose = (q: { month?: string; utility?: string }) => {
    const current = monthAt(firstSchool(), d.now())
    const month = q.month && MONTH.test(q.month) && q.month <= current ? q.month : current
    const utility: Utility = (UTILITIES as readonly string[]).includes(q.utility ?? '')
      ? (q.utility as Utility)
      : 'water'
    return { month, utility, current }
  }

  app.get('/savings', route, async (req, reply) => {
    const ctx = await web.context(req, reply)
    const reports = d.reports
    if (!reports) return web.refuse(req, reply, 404, 'notFound')
    const { month, utility, current } = choose((req.query ?? {}) as { month?: string; utility?: string })
    const rows = (await reports.monthly(month)).filter((r) => r.utility === utility)
    const ranking = rankingView(ctx.locale, await reports.ranking(month, utility))
    const year = month.slice(0, 4)
    const byMonth: MonthlyRow[][] = []
    for (let m = `${year}-01`; m <= month; m = shiftMonth(m, 1))
      byMonth.push(m === month ? rows : (await reports.monthly(m)).filter((r) => r.utility === utility))
    const ytd = yearToDate(byMonth, name)
    const choices: string[] = []
    for (let i = 0, m = current; i < 24; i++, m = shiftMonth(m, -1)) choices.push(m)
    return views.page(reply, ctx, 'savings', {
      title: t(ctx.locale, 'web.savings.title'),
      nav: 'savings',
      scripts: ['print.js'],
      month,
      utility,
      utilities: UTILITIES,
      months: choices,
      rows: rows.map((r) => ({ row: r, name: name(r.school) })),
      ranked: ranking.filter((r) => r.rank !== null),
      unranked: ranking.filter((r) => r.rank === null),
      ytd,
      ytdFrom: `${year}-01`,
      csv: `/savings.csv?month=${month}&utility=${utility}`,
    })
  })

  app.get('/savings.csv', route, async (req, reply) => {
    const reports = d.reports
    if (!reports) return web.refuse(req, reply, 404, 'notFound')
    const ctx = await web.context(req, reply)
    const { month, utility } = choose((req.query ?? {}) as { month?: string; utility?: string })
    const rows = (await reports.monthly(month))
      .filter((r) => r.utility === utility)
      .map((r) => ({ ...r, name: name(r.school) }))
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="schoolmeter-${utility}-${month}.csv"`)
      .send(toCsv(rows, MONTHLY_COLUMNS, { locale: ctx.locale, headers: 'names' }))
  })

  app.get('/readiness', route, async (req, reply) => {
    const ctx = await web.context(req, reply)
    const q = (req.query ?? {}) as { school?: string }
    const schools = [...d.registry.schools.values()].filter((s) => !q.school || s.id === q.school)
    if (q.school && schools.length === 0) return web.refuse(req, reply, 404, 'notFound')
    return views.page(reply, ctx, 'readiness', {
      title: t(ctx.locale, 'web.readiness.title'),
      nav: 'readiness',
      scripts: ['print.js'],
      one: q.school !== undefined,
      itemLine: (check: ReadinessCheck['check'], item: Record<string, unknown>, zone: string) =>
        itemLine(ctx.locale, check, item, zone),
      schools: await Promise.all(
        schools.map(async (s) => ({
          school: s,
          report: await d.readiness?.check(s, d.now(), ctx.locale),
        })),
      ),
    })
  })
}
