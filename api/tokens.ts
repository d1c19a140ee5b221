/**
 * Token management and the audit log over HTTP, for admins: the same operations as
 * `npm run admin -- token …`, each recorded in the audit log under the admin's token name.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { type Locale, t } from '../core/i18n/index.js'
import { formatInstant } from '../core/time.js'
import { type ApiToken, type Store, TokenError, tokenView } from '../store/index.js'
import {
  AuditEntryBody,
  AuditQuery,
  IssuedTokenBody,
  NewTokenBody,
  TokenParams,
  TokenQuery,
} from './schemas.js'

// District-wide objects: times in UTC.
const iso = (ms: number) => formatInstant(ms, 'UTC')

function view(t: ApiToken) {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    createdAt: iso(t.createdAt),
    ...(t.lastUsedAt !== undefined ? { lastUsedAt: iso(t.lastUsedAt) } : {}),
    ...(t.revokedAt !== undefined ? { revokedAt: iso(t.revokedAt) } : {}),
  }
}

/** Needs the `Token` and `Error` schemas on the parent instance. */
export const tokenRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  const tokenError = (
    reply: { code(n: number): { send(b: unknown): unknown } },
    locale: Locale,
    err: unknown,
  ) => {
    if (err instanceof TokenError)
      return reply.code(err.status).send({ error: err.code.toLowerCase(), message: err.text(locale) })
    throw err
  }
  const admin = { access: 'admin' as const }

  app.get(
    '/api/v1/tokens',
    {
      config: admin,
      schema: {
        tags: ['security'],
        summary: 'API tokens: id, name, role, when made and last used; never a secret or a hash',
        querystring: TokenQuery,
        response: { 200: Type.Array(Type.Ref('Token')) },
      },
    },
    async (req) => (await store.apiTokens.list(req.query.all === true)).map(view),
  )

  app.post(
    '/api/v1/tokens',
    {
      config: admin,
      schema: {
        tags: ['security'],
        summary: 'Make a token; the answer carries it once, it is stored only hashed',
        body: NewTokenBody,
        response: { 201: IssuedTokenBody, 400: Type.Ref('Error'), 409: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      try {
        const { token, row } = await store.apiTokens.add(req.body.name, req.body.role)
        await store.audit.record({
          actor: req.actor.name,
          action: 'token.create',
          target: `token:${row.id}`,
          detail: { name: row.name, role: row.role },
        })
        return reply.code(201).send({ ...view(tokenView(row)), token })
      } catch (err) {
        return tokenError(reply, req.locale, err)
      }
    },
  )

  app.post(
    '/api/v1/tokens/:id/rotate',
    {
      config: admin,
      schema: {
        tags: ['security'],
        summary: 'A new secret for the token, shown once; the old one stops working at once',
        params: TokenParams,
        response: { 200: IssuedTokenBody, 404: Type.Ref('Error'), 409: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      try {
        const { token, row } = await store.apiTokens.rotate(req.params.id)
        await store.audit.record({
          actor: req.actor.name,
          action: 'token.rotate',
          target: `token:${row.id}`,
          detail: { name: row.name, role: row.role },
        })
        return { ...view(tokenView(row)), token }
      } catch (err) {
        return tokenError(reply, req.locale, err)
      }
    },
  )

  app.delete(
    '/api/v1/tokens/:id',
    {
      config: admin,
      schema: {
        tags: ['security'],
        summary:
          'Revoke a token: it stops working at once. The last admin token can only be revoked with the CLI',
        params: TokenParams,
        response: { 200: Type.Ref('Token'), 404: Type.Ref('Error'), 409: Type.Ref('Error') },
      },
    },
    async (req, reply) => {
      try {
        // One transaction: two revokes at once cannot both pass the check and leave no admin.
        const done = await store.atomically(async (tx) => {
          const found = await tx.apiTokens.resolve(req.params.id)
          if (
            found.role === 'admin' &&
            found.revokedAt === undefined &&
            (await tx.apiTokens.activeCount('admin')) === 1
          )
            return { lastAdmin: found }
          const row = await tx.apiTokens.revoke(found.id)
          await tx.audit.record({
            actor: req.actor.name,
            action: 'token.revoke',
            target: `token:${row.id}`,
            detail: { name: row.name, role: row.role },
          })
          return { row }
        })
        if (done.lastAdmin)
          return reply.code(409).send({
            error: 'last_admin',
            message: t(req.locale, 'api.error.lastAdmin', {
              id: done.lastAdmin.id,
              name: done.lastAdmin.name,
            }),
          })
        return view(tokenView(done.row))
      } catch (err) {
        return tokenError(reply, req.locale, err)
      }
    },
  )

  app.get(
    '/api/v1/audit',
    {
      config: admin,
      schema: {
        tags: ['security'],
        summary: 'Write actions taken through the API and the admin CLI, newest first: who, what, on what',
        querystring: AuditQuery,
        response: { 200: Type.Array(AuditEntryBody) },
      },
    },
    async (req) => (await store.audit.list(req.query)).map((e) => ({ ...e, at: iso(e.at) })),
  )
}
