/** What several route plugins share: optional bodies, who a write is recorded under, the reader's language, paging. */
import type { FastifyReply } from 'fastify'
import { type Locale, t } from '../core/i18n/index.js'
import type { Actor } from './auth.js'

/** A bare POST (no body) is an empty body. */
export function optionalBody(req: { body: unknown }, _reply: unknown, done: () => void): void {
  req.body ??= {}
  done()
}

/**
 * Who a write is recorded under. With a token, its name: the body's `by` cannot speak for
 * someone else, so a different `by` goes into the note as `[by …]`. Without a token (the API asks
 * for none) the body's `by` is all there is, as before tokens existed.
 */
export function attribution(actor: Actor, body: { by?: string | undefined; note?: string | undefined }) {
  const stated = body.by?.trim() || undefined
  if (actor.tokenId === undefined) return { by: stated, note: body.note, stated }
  if (stated === undefined || stated === actor.name) return { by: actor.name, note: body.note, stated }
  return { by: actor.name, note: body.note ? `[by ${stated}] ${body.note}` : `[by ${stated}]`, stated }
}

/**
 * The next page's address as RFC 8288 `Link: <…>; rel="next"` and as `X-Next-Cursor`, so a list's
 * body stays the plain array it always was.
 */
export function pageHeaders(reply: FastifyReply, url: string, next: string | undefined): void {
  if (next === undefined) return
  const u = new URL(url, 'http://localhost')
  u.searchParams.set('cursor', next)
  reply.header('x-next-cursor', next)
  reply.header('link', `<${u.pathname}${u.search}>; rel="next"`)
}

/** 404 for a school or meter the registry does not hold, with a sentence in the reader's language. */
export function notFound(
  reply: { code(n: number): { send(b: unknown): unknown } },
  locale: Locale,
  what: 'school' | 'meter',
  id: string,
) {
  return reply
    .code(404)
    .send({ error: 'not_found', message: t(locale, 'api.error.notInRegistry', { what, id }) })
}
