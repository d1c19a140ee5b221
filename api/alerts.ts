/**
 * Incidents and alerts over HTTP. People work on incidents — one located fault, with the alerts it
 * raised as its occurrences — and an action on an alert is an action on its incident. Lists are
 * newest first, paged by cursor (`Link: <…>; rel="next"` and `X-Next-Cursor`), filtered by school,
 * rule, status, severity, meter and time. Every write is recorded in the audit log.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { Alert, Incident } from '../core/alert.js'
import { type Locale, t } from '../core/i18n/index.js'
import type { Registry } from '../core/registry.js'
import { formatInstant } from '../core/time.js'
import { alertView, incidentView } from '../core/views.js'
import { AlertError, type AlertManager } from '../rules/index.js'
import { decodeCursor, type Store } from '../store/index.js'
import type { Actor } from './auth.js'
import { attribution, optionalBody, pageHeaders } from './common.js'
import {
  AckBody,
  AlertParams,
  AlertQuery,
  AssignBody,
  IncidentQuery,
  LangQuery,
  ResolveBody,
} from './schemas.js'

interface Deps {
  alerts: AlertManager
  store: Store
  registry: Registry
}

type Reply = { code(n: number): { send(b: unknown): unknown } }

const History = Type.Array(
  Type.Object({
    transition: Type.String(),
    at: Type.String(),
    by: Type.Optional(Type.String()),
    note: Type.Optional(Type.String()),
    alert: Type.Optional(Type.Integer()),
  }),
)

/** A list query's time bounds and cursor, checked: a bad one is a 400 that says which. */
function bounds(q: { from?: string; to?: string; cursor?: string }, locale: Locale) {
  const out: { from?: number; to?: number; cursor?: string; problem?: string } = {}
  for (const key of ['from', 'to'] as const) {
    const v = q[key]
    if (v === undefined) continue
    const ms = /[zZ]|[+-]\d{2}:\d{2}$/.test(v) ? Date.parse(v) : Number.NaN
    if (Number.isNaN(ms)) out.problem = t(locale, 'api.error.badInstant', { name: key })
    else out[key] = ms
  }
  if (q.cursor !== undefined) {
    if (!decodeCursor(q.cursor)) out.problem = t(locale, 'api.error.badCursor')
    else out.cursor = q.cursor
  }
  return out
}

/** Needs the `Alert`, `Incident` and `Error` schemas on the parent instance. */
export const alertRoutes: FastifyPluginAsyncTypebox<Deps> = async (app, { alerts, store, registry }) => {
  const alertOut = (a: Alert, locale?: Locale) => alertView(a, registry, locale)
  const incidentOut = (i: Incident, locale?: Locale) => incidentView(i, registry, locale)
  const fail = (reply: Reply, locale: Locale, err: unknown) => {
    if (err instanceof AlertError)
      return reply.code(err.status).send({ error: err.code.toLowerCase(), message: err.text(locale) })
    throw err
  }
  const badQuery = (reply: Reply, message: string) => reply.code(400).send({ error: 'bad_query', message })
  const zoneOf = (school: string) => registry.schools.get(school)?.timezone ?? 'UTC'
  const history = (
    events: { transition: string; at: number; by?: string; note?: string; alert?: number }[],
    zone: string,
  ) =>
    events.map((e) => ({
      transition: e.transition,
      at: formatInstant(e.at, zone),
      ...(e.by ? { by: e.by } : {}),
      ...(e.note ? { note: e.note } : {}),
      ...(e.alert !== undefined ? { alert: e.alert } : {}),
    }))
  /** One audit row per write: who, which incident, from which status to which. */
  const record = (
    actor: Actor,
    action: string,
    i: Incident,
    from: string,
    statedBy: string | undefined,
    note: string | undefined,
    extra: Record<string, unknown> = {},
  ) =>
    store.audit.record({
      actor: actor.name,
      action,
      target: `incident:${i.id}`,
      detail: {
        school: i.school,
        meter: i.meter,
        rule: i.rule,
        from,
        to: i.status,
        ...(statedBy !== undefined ? { statedBy } : {}),
        ...(note ? { note } : {}),
        ...extra,
      },
    })

  app.get(
    '/api/v1/incidents',
    {
      schema: {
        tags: ['alerts'],
        summary:
          'Incidents (one per located fault), newest first, filtered by status, school, rule, severity, meter and time; paged by cursor',
        querystring: IncidentQuery,
        response: { 200: Type.Array(Type.Ref('Incident')), 400: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      const { lang: _l, from: _f, to: _t, cursor: _c, ...filter } = req.query
      const b = bounds(req.query, req.locale)
      if (b.problem) return badQuery(reply, b.problem)
      const page = await store.incidents.page({ ...filter, ...b })
      pageHeaders(reply, req.url, page.next)
      return page.items.map((i) => incidentOut(i, req.locale))
    },
  )

  app.get(
    '/api/v1/incidents/:id',
    {
      schema: {
        tags: ['alerts'],
        summary:
          'One incident with its alerts (the occurrences of the fault, with their evidence) and its history',
        params: AlertParams,
        querystring: LangQuery,
        response: {
          200: Type.Intersect([
            Type.Ref('Incident'),
            Type.Object({ alerts: Type.Array(Type.Ref('Alert')), history: History }),
          ]),
          404: Type.Ref('Error'),
        },
      },
    },
    async (req, reply) => {
      try {
        const i = await alerts.getIncident(req.params.id)
        const locale = req.locale
        return {
          ...incidentOut(i, locale),
          alerts: (await store.alerts.ofIncident(i.id)).map((a) => alertOut(a, locale)),
          history: history(await store.incidents.events(i.id), zoneOf(i.school)),
        }
      } catch (err) {
        return fail(reply, req.locale, err)
      }
    },
  )

  const incidentWrite = (
    { schema: { summary } }: { schema: { summary: string } },
    body: typeof AckBody | typeof ResolveBody,
  ) => ({
    schema: {
      tags: ['alerts'],
      summary,
      params: AlertParams,
      body,
      response: { 200: Type.Ref('Incident'), 404: Type.Ref('Error'), 409: Type.Ref('Error') },
    },
    // The body is optional: a bare POST acts under the token's name (or as `anonymous`).
    preValidation: optionalBody,
    config: { access: 'maintenance' as const },
  })

  app.post(
    '/api/v1/incidents/:id/ack',
    incidentWrite(
      { schema: { summary: 'Acknowledge an incident: someone is on it (its alerts with it)' } },
      AckBody,
    ),
    async (req, reply) => {
      try {
        const who = attribution(req.actor, req.body ?? {})
        const { from, incident } = await alerts.acknowledgeIncident(req.params.id, who.by, who.note)
        await record(req.actor, 'incident.acknowledge', incident, from, who.stated, req.body?.note)
        return incidentOut(incident, req.locale)
      } catch (err) {
        return fail(reply, req.locale, err)
      }
    },
  )

  app.post(
    '/api/v1/incidents/:id/resolve',
    incidentWrite(
      {
        schema: {
          summary:
            'Resolve an incident and its alerts, optionally marking it a false alarm (kept for tuning)',
        },
      },
      ResolveBody,
    ),
    async (req, reply) => {
      try {
        const who = attribution(req.actor, req.body ?? {})
        const falsePositive = (req.body as { falsePositive?: boolean } | undefined)?.falsePositive === true
        const { from, incident } = await alerts.resolveIncident(
          req.params.id,
          who.by,
          who.note,
          falsePositive,
        )
        await record(req.actor, 'incident.resolve', incident, from, who.stated, req.body?.note, {
          falsePositive,
        })
        return incidentOut(incident, req.locale)
      } catch (err) {
        return fail(reply, req.locale, err)
      }
    },
  )

  app.post(
    '/api/v1/incidents/:id/assign',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Give an incident to someone to repair',
        params: AlertParams,
        body: AssignBody,
        response: { 200: Type.Ref('Incident'), 404: Type.Ref('Error'), 409: Type.Ref('Error') },
      },
      config: { access: 'maintenance' },
    },
    async (req, reply) => {
      try {
        const who = attribution(req.actor, { by: req.body.by })
        const { from, incident } = await alerts.assignIncident(req.params.id, req.body.to, who.by)
        await record(req.actor, 'incident.assign', incident, from, who.stated, undefined, {
          assignedTo: req.body.to,
        })
        return incidentOut(incident, req.locale)
      } catch (err) {
        return fail(reply, req.locale, err)
      }
    },
  )

  app.get(
    '/api/v1/alerts',
    {
      schema: {
        tags: ['alerts'],
        summary:
          'Alerts, newest first, filtered by status (open, acknowledged, resolved, active), school, rule, severity, meter and time; paged by cursor',
        querystring: AlertQuery,
        response: { 200: Type.Array(Type.Ref('Alert')), 400: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      const { lang: _l, from: _f, to: _t, cursor: _c, ...filter } = req.query
      const b = bounds(req.query, req.locale)
      if (b.problem) return badQuery(reply, b.problem)
      const page = await store.alerts.page({ ...filter, ...b })
      pageHeaders(reply, req.url, page.next)
      return page.items.map((a) => alertOut(a, req.locale))
    },
  )

  app.get(
    '/api/v1/alerts/:id',
    {
      schema: {
        tags: ['alerts'],
        summary: 'One alert with its history of transitions',
        params: AlertParams,
        querystring: LangQuery,
        response: {
          200: Type.Intersect([Type.Ref('Alert'), Type.Object({ history: History })]),
          404: Type.Ref('Error'),
        },
      },
    },
    async (req, reply) => {
      try {
        const a = await alerts.get(req.params.id)
        const locale = req.locale
        return { ...alertOut(a, locale), history: history(await store.alerts.events(a.id), zoneOf(a.school)) }
      } catch (err) {
        return fail(reply, req.locale, err)
      }
    },
  )

  // On an alert, the action is its incident's: the fault, not one symptom of it.
  const alertWrite = (
    { schema: { summary } }: { schema: { summary: string } },
    body: typeof AckBody | typeof ResolveBody,
  ) => ({
    schema: {
      tags: ['alerts'],
      summary,
      params: AlertParams,
      body,
      response: { 200: Type.Ref('Alert'), 404: Type.Ref('Error'), 409: Type.Ref('Error') },
    },
    preValidation: optionalBody,
    config: { access: 'maintenance' as const },
  })

  app.post(
    '/api/v1/alerts/:id/ack',
    alertWrite(
      { schema: { summary: 'Acknowledge an alert: its incident and the incident’s other alerts with it' } },
      AckBody,
    ),
    async (req, reply) => {
      try {
        const a0 = await alerts.get(req.params.id)
        const before = a0.incident !== undefined ? (await alerts.getIncident(a0.incident)).status : a0.status
        const who = attribution(req.actor, req.body ?? {})
        const a = await alerts.acknowledge(req.params.id, who.by, who.note)
        if (a.incident !== undefined)
          await record(
            req.actor,
            'incident.acknowledge',
            await alerts.getIncident(a.incident),
            before,
            who.stated,
            req.body?.note,
            {
              alert: a.id,
            },
          )
        return alertOut(a, req.locale)
      } catch (err) {
        return fail(reply, req.locale, err)
      }
    },
  )

  app.post(
    '/api/v1/alerts/:id/resolve',
    alertWrite(
      {
        schema: {
          summary:
            'Resolve an alert: its incident and the incident’s other alerts with it, optionally a false positive',
        },
      },
      ResolveBody,
    ),
    async (req, reply) => {
      try {
        const a0 = await alerts.get(req.params.id)
        const before = a0.incident !== undefined ? (await alerts.getIncident(a0.incident)).status : a0.status
        const who = attribution(req.actor, req.body ?? {})
        const falsePositive = (req.body as { falsePositive?: boolean } | undefined)?.falsePositive === true
        const a = await alerts.resolve(req.params.id, who.by, who.note, falsePositive)
        if (a.incident !== undefined)
          await record(
            req.actor,
            'incident.resolve',
            await alerts.getIncident(a.incident),
            before,
            who.stated,
            req.body?.note,
            {
              falsePositive,
              alert: a.id,
            },
          )
        return alertOut(a, req.locale)
      } catch (err) {
        return fail(reply, req.locale, err)
      }
    },
  )
}
