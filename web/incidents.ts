/**
 * Maintenance, phone first: my open incidents (for my schools), most severe and newest first; one
 * incident — what, where, since when, what it costs a day, its evidence as a chart of the last 48
 * hours with the fault marked, its occurrences and history — with the buttons to acknowledge, assign,
 * resolve with a note, or mark a false alarm. The same page opens from a notification's signed link
 * (`/i/{token}`) without a password, for that incident only, until the link expires; what is done
 * through it is recorded under the link's recipient.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { meterSeries } from '../api/index.js'
import type { Incident, Severity } from '../core/alert.js'
import { type Locale, t } from '../core/i18n/index.js'
import type { LinkClaims } from '../core/links.js'
import type { Registry } from '../core/registry.js'
import { alertView, incidentView } from '../core/views.js'
import { DossierError, dossierFacts, renderDossier } from '../reports/index.js'
import { AlertError, type IncidentChange } from '../rules/index.js'
import { chartData } from './charts.js'
import type { RefusalReason, Web } from './index.js'
import type { PageContext } from './render.js'
import { can, type Viewer } from './session.js'

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 }
const HOUR = 3_600_000

export const ACTIONS = ['ack', 'assign', 'resolve', 'false_alarm'] as const
export type Action = (typeof ACTIONS)[number]

/** Most severe first, then newest. */
export function byUrgency(a: Incident, b: Incident): number {
  return SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || b.openedAt - a.openedAt || b.id - a.id
}

/** Where an incident is, by name: school, building, room, meter. */
export function placeOf(
  registry: Registry,
  i: { school: string; building: string; space?: string; meter: string },
) {
  const school = registry.schools.get(i.school)
  const building = school?.buildings.get(i.building)
  const space = i.space ? building?.spaces.get(i.space) : undefined
  const meter = registry.meters.get(i.meter)
  return {
    schoolId: i.school,
    school: school?.name ?? i.school,
    zone: school?.timezone ?? 'UTC',
    currency: school?.currency,
    building: building?.name ?? i.building,
    ...(i.space ? { space: space?.name ?? i.space } : {}),
    meter: meter?.name ? `${meter.name} (${i.meter})` : i.meter,
    meterId: i.meter,
  }
}

/** The sentence of an incident for a reader. */
function sentenceOf(web: Web, i: Incident, locale: Locale): string {
  return incidentView(i, web.d.district ?? web.d.registry, locale).message
}

/** Acts on an incident for a viewer, as the API does, and records it in the audit log. */
export async function act(
  web: Web,
  viewer: Viewer,
  id: number,
  action: Action,
  form: { note?: string; to?: string },
): Promise<Incident> {
  const { alerts, store } = web.d
  const note = form.note?.trim() || undefined
  let change: IncidentChange
  switch (action) {
    case 'ack':
      change = await alerts.acknowledgeIncident(id, viewer.name, note)
      break
    case 'assign': {
      const to = form.to?.trim()
      if (!to) throw new FormError('assigneeMissing')
      change = await alerts.assignIncident(id, to.slice(0, 64), viewer.name)
      break
    }
    case 'resolve':
    case 'false_alarm':
      change = await alerts.resolveIncident(id, viewer.name, note, action === 'false_alarm')
      break
  }
  const { from, incident: after } = change
  await store.audit.record({
    actor: viewer.actor,
    action: `incident.${action === 'ack' ? 'acknowledge' : action === 'false_alarm' ? 'resolve' : action}`,
    target: `incident:${id}`,
    detail: {
      school: after.school,
      meter: after.meter,
      rule: after.rule,
      from,
      to: after.status,
      via: viewer.via,
      ...(note ? { note } : {}),
      ...(action === 'assign' ? { assignedTo: after.assignedTo } : {}),
      ...(action === 'resolve' || action === 'false_alarm'
        ? { falsePositive: action === 'false_alarm' }
        : {}),
    },
  })
  return after
}

export class FormError extends Error {
  constructor(readonly reason: 'assigneeMissing') {
    super(reason)
  }
}

/** The page of one incident: its facts, evidence chart, occurrences, history and what may be done. */
async function incidentPage(
  web: Web,
  reply: FastifyReply,
  ctx: PageContext,
  i: Incident,
  o: { base: string; canAct: boolean; link?: LinkClaims; done?: string; failed?: string },
) {
  const { store } = web.d
  const registry = web.d.district ?? web.d.registry
  const place = placeOf(registry, i)
  const meter = registry.meters.get(i.meter)
  const newest = web.d.recent?.newest(i.meter) ?? web.d.meterStatus(i.meter)?.lastTs ?? ctx.now
  // A resolved incident is shown as it ended; an open one up to its meter's newest reading.
  const end = i.resolvedAt !== undefined ? Math.min(newest, i.resolvedAt + 12 * HOUR) : newest
  const series = meter ? await meterSeries(web.d, meter, { to: Math.ceil(end / HOUR) * HOUR }) : undefined
  const faultTo = i.resolvedAt ?? Math.max(i.lastSeenAt, i.openedAt)
  const chart = series && chartData(ctx.locale, place.zone, series, { from: i.openedAt, to: faultTo })
  return web.views.page(reply, ctx, 'incident', {
    title: t(ctx.locale, 'web.incident.title', { id: i.id }),
    nav: o.link ? undefined : 'incidents',
    scripts: chart ? ['chart.js'] : [],
    incident: i,
    message: sentenceOf(web, i, ctx.locale),
    place,
    evidence: i.evidence,
    chart,
    occurrences: (await store.alerts.ofIncident(i.id)).map((a) => ({
      alert: a,
      message: alertView(a, registry, ctx.locale).message,
    })),
    history: await store.incidents.events(i.id),
    // A resolved water incident's dossier for the insurer or the district (reports/dossier.ts).
    dossier:
      !o.link && i.status === 'resolved' && i.family === 'water_loss'
        ? `/incidents/${i.id}/dossier.pdf`
        : undefined,
    base: o.base,
    canAct: o.canAct && i.status !== 'resolved',
    link: o.link,
    done: o.done,
    failed: o.failed,
  })
}

function queryOf(req: FastifyRequest): Record<string, string | undefined> {
  return (req.query ?? {}) as Record<string, string | undefined>
}

export function incidentPages(app: FastifyInstance, web: Web): void {
  const { d, views } = web
  const route = (role: 'viewer' | 'maintenance' = 'viewer') => ({
    config: { access: 'public' as const },
    schema: { hide: true },
    preHandler: web.guard(role),
  })

  app.get('/incidents', route(), async (req, reply) => {
    const ctx = await web.context(req, reply)
    const viewer = req.viewer!
    const q = queryOf(req)
    const mine = viewer.schools
    const schools = [...(d.district ?? d.registry).schools.values()].filter(
      (s) => !mine || mine.includes(s.id),
    )
    const school = q.school && schools.some((s) => s.id === q.school) ? q.school : undefined
    const incidents = (
      await d.store.incidents.list({ status: 'active', ...(school ? { school } : {}), limit: 1000 })
    )
      .filter((i) => !mine || mine.includes(i.school))
      .sort(byUrgency)
    return views.page(reply, ctx, 'incidents', {
      title: t(ctx.locale, 'web.incidents.title'),
      nav: 'incidents',
      schools,
      school,
      mine: mine !== undefined,
      incidents: incidents.map((i) => ({
        incident: i,
        message: sentenceOf(web, i, ctx.locale),
        place: placeOf(d.district ?? d.registry, i),
        assignedToMe: i.assignedTo !== undefined && i.assignedTo === viewer.name,
      })),
    })
  })

  app.get('/incidents/:id', route(), async (req, reply) => {
    const id = Number((req.params as { id: string }).id)
    const i = Number.isInteger(id) ? await d.store.incidents.get(id) : undefined
    if (!i) return web.refuse(req, reply, 404, 'notFound')
    const q = queryOf(req)
    return incidentPage(web, reply, await web.context(req, reply), i, {
      base: `/incidents/${i.id}`,
      canAct: can(req.viewer, 'maintenance'),
      ...(q.done ? { done: q.done } : {}),
      ...(q.failed ? { failed: q.failed } : {}),
    })
  })

  app.get('/incidents/:id/dossier.pdf', route(), async (req, reply) => {
    const id = Number((req.params as { id: string }).id)
    const ctx = await web.context(req, reply)
    let pdf: Buffer
    try {
      pdf = await renderDossier(
        await dossierFacts({
          registry: d.district ?? d.registry,
          store: d.store,
          incident: id,
          locale: ctx.locale,
        }),
      )
    } catch (err) {
      if (err instanceof DossierError) return web.refuse(req, reply, 404, 'notFound')
      throw err
    }
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `inline; filename="leak-dossier-${id}-${ctx.locale}.pdf"`)
      .send(pdf)
  })

  /** A form's action; `back` is the page to return to. */
  const handle = async (
    req: FastifyRequest,
    reply: FastifyReply,
    viewer: Viewer,
    id: number,
    back: string,
  ): Promise<FastifyReply> => {
    const action = (req.params as { action: string }).action as Action
    if (!ACTIONS.includes(action)) return web.refuse(req, reply, 404, 'notFound')
    const form = (req.body ?? {}) as { note?: string; to?: string }
    try {
      await act(web, viewer, id, action, form)
      return reply.redirect(`${back}?done=${action}`, 303)
    } catch (err) {
      if (err instanceof AlertError) {
        if (err.status === 404) return web.refuse(req, reply, 404, 'notFound')
        return reply.redirect(`${back}?failed=resolved`, 303)
      }
      if (err instanceof FormError) return reply.redirect(`${back}?failed=${err.reason}`, 303)
      throw err
    }
  }

  app.post(
    '/incidents/:id/:action',
    {
      config: { access: 'public' as const },
      schema: { hide: true },
      preHandler: [web.guard('maintenance'), web.checkForm],
    },
    async (req, reply) => {
      const id = Number((req.params as { id: string }).id)
      if (!Number.isInteger(id)) return web.refuse(req, reply, 404, 'notFound')
      return handle(req, reply, req.viewer!, id, `/incidents/${id}`)
    },
  )

  // ---- Signed links: one incident, no password, until the link expires ----

  /** The link's claims, or why it opens nothing. */
  const claimsOf = (token: string): LinkClaims | RefusalReason => {
    // Checked once for its signature alone, to tell an expired link from an altered one.
    const signed = d.links.verify(token, 0)
    if (!signed) return 'linkInvalid'
    if (signed.exp * 1000 <= d.now()) return 'linkExpired'
    return signed
  }
  const linkViewer = (c: LinkClaims): Viewer => ({
    via: 'link',
    name: c.to,
    actor: c.to,
    role: 'maintenance',
  })
  const linkRoute = {
    config: { access: 'public' as const },
    schema: { hide: true },
    // The link is the credential: each one's forms carry a token bound to it.
    onRequest: async (req: FastifyRequest) => {
      req.csrfBinding = `link:${(req.params as { token: string }).token}`
    },
  }

  app.get('/i/:token', linkRoute, async (req, reply) => {
    const c = claimsOf((req.params as { token: string }).token)
    if (typeof c === 'string') return web.refuse(req, reply, c === 'linkExpired' ? 410 : 403, c)
    const i = await d.store.incidents.get(c.incident)
    if (!i) return web.refuse(req, reply, 404, 'notFound')
    const q = queryOf(req)
    const ctx = await web.context(req, reply)
    // The page is the link's, whoever else may be signed in on this phone.
    return incidentPage(web, reply, { ...ctx, viewer: linkViewer(c) }, i, {
      base: `/i/${(req.params as { token: string }).token}`,
      canAct: true,
      link: c,
      ...(q.done ? { done: q.done } : {}),
      ...(q.failed ? { failed: q.failed } : {}),
    })
  })

  app.post('/i/:token/:action', { ...linkRoute, preHandler: web.checkForm }, async (req, reply) => {
    const token = (req.params as { token: string }).token
    const c = claimsOf(token)
    if (typeof c === 'string') return web.refuse(req, reply, c === 'linkExpired' ? 410 : 403, c)
    // The form names the incident it was shown for: a link acts on its own incident only.
    const asked = Number((req.body as { incident?: string } | undefined)?.incident)
    if (asked !== c.incident) {
      d.log.warn({ incident: asked, link: c.incident, to: c.to }, 'signed link used for another incident')
      return web.refuse(req, reply, 403, 'linkOtherIncident')
    }
    return handle(req, reply, linkViewer(c), c.incident, `/i/${token}`)
  })
}
