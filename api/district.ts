/**
 * What the district office reports upward, over HTTP: use per category and sub-item, the day's
 * platform data package. The same as `npm run district -- …` (reports/district-cli.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { Calendars } from '../core/calendar.js'
import { ENERGY_CATEGORY_IDS } from '../core/classification.js'
import { type Locale, t } from '../core/i18n/index.js'
import type { Registry } from '../core/registry.js'
import {
  addDays,
  buildPackage,
  DossierError,
  dossierFacts,
  heatingColumns,
  heatingWeek,
  mondayOf,
  PlatformError,
  QuotaProjections,
  quotaColumns,
  renderDossier,
  renderHeatingPdf,
  SubItemReports,
  sheetCsv,
  subItemColumns,
} from '../reports/index.js'
import type { Store } from '../store/index.js'

export interface DistrictRouteOptions {
  registry: Registry
  store: Store
  /** Called before reading, so that rollups still in memory are counted. */
  flushRollups?: () => void
  /** Wall clock: quotas are projected from yesterday. */
  now?: () => number
}

const SubItemRowBody = Type.Object(
  {
    school: Type.String(),
    building: Type.Optional(Type.String()),
    category: Type.Enum([...ENERGY_CATEGORY_IDS]),
    item: Type.String({ description: 'total, a sub-item id (special.kitchen), or unclassified' }),
    level: Type.Enum(['category', 'subItem', 'subItem1', 'unclassified']),
    code: Type.Optional(Type.String({ description: "the guideline's item code, e.g. 01D30" })),
    unit: Type.Enum(['kWh', 'm3']),
    used: Type.Number(),
    share: Type.Optional(Type.Number({ description: "share of the category's total, 0..1" })),
    coverage: Type.Optional(
      Type.Number({ description: 'category lines: how much of the period readings covered, 0..1' }),
    ),
  },
  { $id: 'SubItemRow' },
)

const PERIOD = '^\\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\\d|3[01]))?$'
const DATE = '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$'

type Reply = { code(n: number): { send(b: unknown): unknown } }

export const districtRoutes: FastifyPluginAsyncTypebox<DistrictRouteOptions> = async (app, o) => {
  const subItems = new SubItemReports({
    registry: o.registry,
    store: o.store,
    ...(o.flushRollups ? { flush: o.flushRollups } : {}),
  })
  const unknownSchool = (reply: Reply, locale: Locale, id: string) =>
    reply
      .code(404)
      .send({ error: 'not_found', message: t(locale, 'api.error.notInRegistry', { what: 'school', id }) })

  app.get(
    '/api/v1/reports/subitems',
    {
      schema: {
        tags: ['reports'],
        summary:
          'Use per energy category and electricity sub-item for a day or a month, per school (or per building): each meter counted once, the parts add up to the total. ?format=csv for CSV',
        querystring: Type.Object({
          period: Type.String({ pattern: PERIOD, description: 'a month YYYY-MM or a day YYYY-MM-DD' }),
          school: Type.Optional(Type.String({ maxLength: 64 })),
          byBuilding: Type.Optional(Type.Boolean()),
          format: Type.Optional(Type.Enum(['json', 'csv'])),
        }),
        response: { 200: Type.Array(SubItemRowBody), 404: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      const { period, school, byBuilding = false, format } = req.query
      if (school && !o.registry.schools.has(school)) return unknownSchool(reply, req.locale, school)
      const rows = await subItems.report(period, { ...(school ? { school } : {}), byBuilding })
      if (format === 'csv' || (format === undefined && /text\/csv/.test(req.headers.accept ?? '')))
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="schoolmeter-subitems-${period}.csv"`)
          .serializer((x: unknown) => x as string)
          .send(sheetCsv(rows, subItemColumns(o.registry, byBuilding), req.locale) as never)
      return rows
    },
  )

  app.get(
    '/api/v1/platform/packages/:date',
    {
      schema: {
        tags: ['reports'],
        summary:
          "The day's data package for the provincial energy platform: <id><date>.zip holding Build.xml and Energy.xml (docs/reporting.md); ?file=build or ?file=energy for one XML file",
        params: Type.Object({ date: Type.String({ pattern: DATE }) }),
        querystring: Type.Object({ file: Type.Optional(Type.Enum(['zip', 'build', 'energy'])) }),
        response: { 404: Type.Ref('Error'), 409: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      o.flushRollups?.()
      let pkg: Awaited<ReturnType<typeof buildPackage>>
      try {
        pkg = await buildPackage({
          registry: o.registry,
          store: o.store,
          date: req.params.date,
          locale: req.locale,
        })
      } catch (err) {
        if (!(err instanceof PlatformError)) throw err
        const status = err.code === 'PLATFORM_NOT_CONFIGURED' ? 409 : 404
        return reply.code(status).send({ error: err.code.toLowerCase(), message: err.text(req.locale) })
      }
      const file = req.query.file ?? 'zip'
      if (file === 'zip')
        return reply
          .header('content-type', 'application/zip')
          .header('content-disposition', `attachment; filename="${pkg.name}.zip"`)
          .send(Buffer.from(pkg.zip()))
      const part = file === 'build' ? pkg.build : pkg.energy
      return reply
        .header('content-type', 'application/xml; charset=utf-8')
        .header('content-disposition', `attachment; filename="${part.path.split('/')[1]}"`)
        .send(part.xml)
    },
  )

  app.get(
    '/api/v1/incidents/:id/dossier.pdf',
    {
      schema: {
        tags: ['alerts'],
        summary:
          'The leak dossier of a resolved water incident as a PDF (timeline, notifications, water lost and its cost, evidence chart, the meter and its place), in the language asked for (?lang=zh-CN|en)',
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        response: { 404: Type.Ref('Error'), 409: Type.Ref('Error'), 503: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      o.flushRollups?.()
      try {
        const facts = await dossierFacts({
          registry: o.registry,
          store: o.store,
          incident: req.params.id,
          locale: req.locale,
        })
        const pdf = await renderDossier(facts)
        return reply
          .header('content-type', 'application/pdf')
          .header('content-disposition', `inline; filename="leak-dossier-${req.params.id}-${req.locale}.pdf"`)
          .send(pdf)
      } catch (err) {
        if (!(err instanceof DossierError)) throw err
        return reply
          .code(err.status as 404 | 409 | 503)
          .send({ error: err.code.toLowerCase(), message: err.text(req.locale) })
      }
    },
  )

  const projections = new QuotaProjections({
    store: o.store,
    ...(o.flushRollups ? { flush: o.flushRollups } : {}),
  })
  const calendars = new Calendars()
  app.get(
    '/api/v1/reports/quotas',
    {
      schema: {
        tags: ['reports'],
        summary:
          "Each school's quotas in force, projected to the end of the term and the year from the days up to asOf (default yesterday): use to date, projection, the day it crosses the quota, by how much. ?format=csv for CSV",
        querystring: Type.Object({
          school: Type.Optional(Type.String({ maxLength: 64 })),
          asOf: Type.Optional(
            Type.String({ pattern: DATE, description: 'the last day counted, YYYY-MM-DD' }),
          ),
          format: Type.Optional(Type.Enum(['json', 'csv'])),
        }),
        response: { 404: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      const { school, asOf, format } = req.query
      if (school && !o.registry.schools.has(school)) return unknownSchool(reply, req.locale, school)
      const now = (o.now ?? Date.now)()
      const rows = []
      for (const s of o.registry.schools.values())
        if (!school || s.id === school)
          rows.push(
            ...(await projections.forSchool(s, asOf ?? addDays(calendars.for(s).local(now).date, -1))),
          )
      if (format === 'csv' || (format === undefined && /text\/csv/.test(req.headers.accept ?? '')))
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .serializer((x: unknown) => x as string)
          .send(sheetCsv(rows, quotaColumns(o.registry), req.locale) as never)
      return rows
    },
  )

  app.get(
    '/api/v1/reports/heating',
    {
      schema: {
        tags: ['reports'],
        summary:
          'Heating compliance for the winter inspection: each classroom below 18 °C while occupied in the heating season, for the week (Monday to Sunday) holding `week`: hours, rooms, the coldest hours, the outdoor temperature. ?format=csv (one row per classroom) or ?format=pdf (printable)',
        querystring: Type.Object({
          week: Type.String({ pattern: DATE, description: 'any day of the week, YYYY-MM-DD' }),
          school: Type.Optional(Type.String({ maxLength: 64 })),
          format: Type.Optional(Type.Enum(['json', 'csv', 'pdf'])),
        }),
        response: { 404: Type.Ref('Error'), 503: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      const { school, format } = req.query
      if (school && !o.registry.schools.has(school)) return unknownSchool(reply, req.locale, school)
      const week = mondayOf(req.query.week)
      const weeks = []
      for (const s of o.registry.schools.values())
        if (!school || s.id === school)
          weeks.push(await heatingWeek({ registry: o.registry, store: o.store, school: s, week }))
      if (format === 'pdf') {
        try {
          const pdf = await renderHeatingPdf(o.registry, weeks, req.locale)
          return reply
            .header('content-type', 'application/pdf')
            .header('content-disposition', `inline; filename="heating-${week}.pdf"`)
            .send(pdf)
        } catch (err) {
          if (!(err instanceof DossierError)) throw err
          return reply.code(503).send({ error: err.code.toLowerCase(), message: err.text(req.locale) })
        }
      }
      if (format === 'csv' || (format === undefined && /text\/csv/.test(req.headers.accept ?? '')))
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="schoolmeter-heating-${week}.csv"`)
          .serializer((x: unknown) => x as string)
          .send(
            sheetCsv(
              weeks.flatMap((w) => w.rooms),
              heatingColumns(o.registry),
              req.locale,
            ) as never,
          )
      return weeks
    },
  )
}
