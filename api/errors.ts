/**
 * Client errors fastify raises before a route runs — a query or body that fails its schema, a
 * body that is not JSON — as sentences in the reader's language. The `error` code stays
 * fastify's, lower-cased; only the message is ours.
 */
import type { FastifyRequest } from 'fastify'
import { expectation, formatPath, type SchemaError } from '../core/config/load.js'
import { render, t } from '../core/i18n/index.js'

export interface RequestError extends Error {
  statusCode?: number
  code?: string
  validation?: SchemaError[]
  validationContext?: string
}

const PARTS = new Set(['querystring', 'body', 'params', 'headers'])

export function describeRequestError(req: FastifyRequest, err: RequestError): string {
  const locale = req.locale
  const first = err.validation?.[0]
  if (first) {
    const part = PARTS.has(err.validationContext ?? '') ? err.validationContext! : 'other'
    const segments = first.instancePath
      .split('/')
      .filter(Boolean)
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s))
    if (first.keyword === 'required' && first.params.missingProperty !== undefined)
      segments.push(String(first.params.missingProperty))
    const input = (req as unknown as Record<string, unknown>)[part === 'querystring' ? 'query' : part]
    const value = segments.reduce<unknown>(
      (v, s) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[s] : undefined),
      input,
    )
    return t(locale, 'api.error.invalid', {
      part,
      name: formatPath(segments),
      value: value === undefined ? t(locale, 'config.value.missing') : JSON.stringify(value),
      expected: render(locale, expectation(first)),
    })
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return t(locale, 'api.error.mediaType')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return t(locale, 'api.error.badJson')
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return t(locale, 'api.error.bodyTooLarge')
    case 'RATE_LIMITED':
    case 'BANNED':
      // Already a sentence in the reader's language (api/security.ts).
      return err.message
    default:
      if (err instanceof SyntaxError) return t(locale, 'api.error.badJson')
      return t(locale, 'api.error.badRequest', { detail: err.message })
  }
}
