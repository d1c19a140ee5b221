/**
 * The language of an answer: `?lang=` (zh, zh-CN, en, en-GB …), else the request's
 * `Accept-Language`, else the district's. Field names and error codes never change with it; only
 * `message`s, details, readiness checklists and CSV headers do.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { type Locale, negotiate } from '../core/i18n/index.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The reader's language for this request. */
    readonly locale: Locale
  }
}

export function requestLocale(req: FastifyRequest, fallback: Locale): Locale {
  // From the URL itself: a route's query schema may drop parameters it does not declare.
  const query = req.url.indexOf('?')
  const lang = query < 0 ? null : new URLSearchParams(req.url.slice(query + 1)).get('lang')
  if (lang) return negotiate(lang, fallback)
  return negotiate(req.headers['accept-language'], fallback)
}

/** `req.locale` on every request; answers vary by Accept-Language, which caches must know. */
export function registerLocale(app: FastifyInstance, fallback: Locale): void {
  app.decorateRequest('locale', {
    getter(this: FastifyRequest) {
      return requestLocale(this, fallback)
    },
  })
  app.addHook('onSend', async (_req, reply) => {
    const vary = reply.getHeader('vary')
    if (vary === undefined) reply.header('vary', 'Accept-Language')
    else if (!/accept-language/i.test(String(vary))) reply.header('vary', `${vary}, Accept-Language`)
  })
}
