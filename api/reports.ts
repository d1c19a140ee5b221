/** The report routes: monthly savings and the ranking (JSON or CSV), the start-of-term checklists. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { Registry } from '../core/registry.js'
import { formatInstant } from '../core/time.js'
import {
  MONTHLY_COLUMNS,
  type MonthlyReports,
  RANKING_COLUMNS,
  type Readiness,
  rankingView,
  toCsv,
} from '../reports/index.js'
import { notFound } from './common.js'
import { MonthlyQuery, RankingQuery, RankingRowBody, ReadinessBody } from './schemas.js'

interface Deps {
  registry: Registry
  now: () => number
  reports?: MonthlyReports
  readiness?: Readiness
}

export const reportRoutes: FastifyPluginAsyncTypebox<Deps> = async (
  app,
  { registry, now, reports, readiness },
) => {
  if (reports) {
    const wantsCsv = (format: string | undefined, accept: string | undefined) =>
      format === 'csv' || (format === undefined && /text\/csv/.test(accept ?? ''))
    const thisMonth = () => {
      const first = [...registry.schools.values()][0]
      return formatInstant(now(), first?.timezone ?? 'UTC').slice(0, 7)
    }
    const names = (rows: { school: string }[]) =>
      rows.map((r) => ({ ...r, name: registry.schools.get(r.school)?.name ?? r.school }))

    app.get(
      '/api/v1/reports/monthly',
      {
        schema: {
          tags: ['reports'],
          summary:
            'Monthly rows per school and utility: actual, expected, savings, per pupil and m², coverage. ?format=csv or Accept: text/csv for CSV',
          querystring: MonthlyQuery,
          response: { 200: Type.Array(Type.Ref('MonthlyRow')), 404: Type.Ref('Error') },
        },
      },
      async (req, reply) => {
        if (req.query.school && !registry.schools.has(req.query.school))
          return notFound(reply, req.locale, 'school', req.query.school)
        const month = req.query.month ?? thisMonth()
        const rows = await reports.monthly(month, req.query.school)
        if (wantsCsv(req.query.format, req.headers.accept)) {
          return reply
            .header('content-type', 'text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="schoolmeter-monthly-${month}.csv"`)
            .serializer((x: unknown) => x as string)
            .send(
              toCsv(names(rows), MONTHLY_COLUMNS, {
                locale: req.locale,
                headers: req.query.headers ?? 'names',
              }),
            )
        }
        return rows
      },
    )

    app.get(
      '/api/v1/reports/ranking',
      {
        schema: {
          tags: ['reports'],
          summary: 'Schools ranked by adjusted savings %; rows under 90 % coverage are listed without a rank',
          querystring: RankingQuery,
          response: { 200: Type.Array(RankingRowBody) },
        },
      },
      async (req, reply) => {
        const month = req.query.month ?? thisMonth()
        const rows = rankingView(req.locale, await reports.ranking(month, req.query.utility ?? 'water'))
        if (wantsCsv(req.query.format, req.headers.accept)) {
          return reply
            .header('content-type', 'text/csv; charset=utf-8')
            .serializer((x: unknown) => x as string)
            .send(
              toCsv(rows as unknown as Record<string, unknown>[], RANKING_COLUMNS, {
                locale: req.locale,
                headers: req.query.headers ?? 'names',
              }) as never,
            )
        }
        return rows
      },
    )
  }

  if (readiness) {
    app.get(
      '/api/v1/reports/readiness',
      {
        schema: {
          tags: ['reports'],
          summary:
            'Start-of-term checklist per school for its next term: meters reporting, no open critical alert, heating reaching setpoint',
          querystring: Type.Object({ school: Type.Optional(Type.String({ maxLength: 64 })) }),
          response: { 200: Type.Array(ReadinessBody) },
        },
      },
      async (req) =>
        (
          await Promise.all(
            [...registry.schools.values()]
              .filter((s) => !req.query.school || s.id === req.query.school)
              .map((s) => readiness.check(s, now(), req.locale)),
          )
        ).filter((r) => r !== undefined),
    )
  }
}
