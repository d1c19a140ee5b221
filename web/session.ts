/**
 * Who is looking at a page. A person signs in with the login an admin made for them (`npm run
 * admin -- user add`) and gets a session: a random token in an HttpOnly, SameSite=Lax cookie
 * (Secure behind HTTPS), kept in the store as its SHA-256. While the API asks for no token (the
 * loopback demo, ALLOW_ANONYMOUS=1) and nobody has a login, pages open without signing in, as the
 * API does. A signed link from a notification is a third way in, for one incident (web/incidents.ts).
 */
import { createHmac, randomBytes } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { allows, authRequired, type SecurityOptions } from '../api/index.js'
import { hashSecret, newSecret, verifySecret } from '../core/secrets.js'
import type { Role, Session, SessionLifetime, Store } from '../store/index.js'

export const SESSION_COOKIE = 'smt_session'

export const DEFAULT_LIFETIME: SessionLifetime = {
  // A caretaker's phone stays signed in over a holiday week…
  idleMs: 14 * 86_400_000,
  // …but signs in again every month.
  maxMs: 30 * 86_400_000,
}

export interface Viewer {
  via: 'session' | 'anonymous' | 'link'
  /** The name recorded in incident histories: the person's, the link's recipient, or `anonymous`. */
  name: string
  /** The audit log's actor: the username, the link's recipient, or `anonymous`. */
  actor: string
  role: Role
  username?: string
  /** The schools the person looks after; undefined = all. */
  schools?: string[]
  session?: Session
}

export const ANONYMOUS_VIEWER: Viewer = {
  via: 'anonymous',
  name: 'anonymous',
  actor: 'anonymous',
  role: 'admin',
}

export function can(viewer: Viewer | undefined, needed: Role): boolean {
  return viewer !== undefined && allows(viewer.role, needed)
}

/**
 * Whether pages need a sign-in: ALLOW_ANONYMOUS=0 always, =1 never; unset, when the API would ask
 * for a token (it listens beyond loopback, or a token exists) or anyone has a login.
 */
export async function signInRequired(security: SecurityOptions | undefined, store: Store): Promise<boolean> {
  if (!security) return false
  if (security.anonymous !== 'auto') return security.anonymous === 'never'
  return (await authRequired(security, store.apiTokens)) || (await store.users.hasActive())
}

/** Cookies are Secure when the app is reached over HTTPS: PUBLIC_URL says so, or the proxy in front does. */
export function secureRequest(req: FastifyRequest, publicUrl: string | undefined): boolean {
  if (publicUrl?.startsWith('https://')) return true
  return req.protocol === 'https' || req.headers['x-forwarded-proto'] === 'https'
}

export interface SessionDeps {
  store: Store
  lifetime: SessionLifetime
  publicUrl?: string
  now: () => number
}

export async function sessionViewer(d: SessionDeps, req: FastifyRequest): Promise<Viewer | undefined> {
  const token = req.cookies?.[SESSION_COOKIE]
  if (!token) return undefined
  const session = await d.store.sessions.find(token, d.lifetime, d.now())
  if (!session) return undefined
  const u = session.user
  return {
    via: 'session',
    name: u.name,
    actor: u.username,
    role: u.role,
    username: u.username,
    ...(u.schools ? { schools: u.schools } : {}),
    session,
  }
}

/** What a wrong password costs an unknown login too: the same scrypt, so timing tells nothing. */
let nobodysHash: string | undefined

/** The user whose password this is, or undefined; disabled logins never match. */
export async function checkLogin(store: Store, username: string, password: string) {
  const row = username ? await store.users.byUsername(username) : undefined
  const usable = row && row.disabledAt === undefined ? row : undefined
  nobodysHash ??= hashSecret(newSecret())
  const ok = await verifySecret(password, usable ? usable.hash : nobodysHash)
  return ok && usable ? usable : undefined
}

export async function openSession(
  d: SessionDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  userId: number,
): Promise<void> {
  const { token, session } = await d.store.sessions.open(userId, d.lifetime, d.now())
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: secureRequest(req, d.publicUrl),
    expires: new Date(session.createdAt + d.lifetime.maxMs),
  })
  await d.store.users.loggedIn(userId, d.now())
}

export async function closeSession(d: SessionDeps, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const token = req.cookies?.[SESSION_COOKIE]
  if (token) await d.store.sessions.close(token)
  reply.clearCookie(SESSION_COOKIE, { path: '/' })
}

/**
 * Failed sign-ins by login name and by address: after `max` failures in a window, the next try
 * waits until the window has passed. Bounded in memory.
 */
export class LoginBackoff {
  private readonly failures = new Map<string, { count: number; until: number }>()

  constructor(
    private readonly o: { max: number; windowMs: number; now: () => number; maxEntries?: number },
  ) {}

  /** Seconds to wait before trying again, or 0. */
  wait(keys: string[]): number {
    const now = this.o.now()
    let until = 0
    for (const k of keys) {
      const f = this.failures.get(k)
      if (f && f.until > now && f.count >= this.o.max) until = Math.max(until, f.until)
    }
    return until > now ? Math.ceil((until - now) / 1000) : 0
  }

  failed(keys: string[]): void {
    const now = this.o.now()
    for (const k of keys) {
      const f = this.failures.get(k)
      if (f && f.until > now) f.count++
      else {
        this.failures.delete(k)
        while (this.failures.size >= (this.o.maxEntries ?? 10_000))
          this.failures.delete(this.failures.keys().next().value!)
        this.failures.set(k, { count: 1, until: now + this.o.windowMs })
      }
    }
  }

  succeeded(keys: string[]): void {
    for (const k of keys) this.failures.delete(k)
  }
}

/** The store's key of the CSRF tokens' HMAC key, made at the first start. */
export const WEB_SECRET_KEY = 'web_csrf_secret'

/**
 * The key of the web app's form protection (CSRF). With `LINK_SECRET` set it is derived from it,
 * so that every worker of a district has the same one (a form loaded from one worker may be posted
 * to another); otherwise it is made at the first start and kept in `kept` (the worker's DATA_DIR).
 */
export function webSecret(
  env: { LINK_SECRET?: string | undefined },
  kept: {
    get(key: string): string | undefined
    set(key: string, value: string): void
  },
): Buffer {
  if (env.LINK_SECRET) return createHmac('sha256', env.LINK_SECRET).update(WEB_SECRET_KEY).digest()
  let secret = kept.get(WEB_SECRET_KEY)
  if (!secret) {
    secret = randomBytes(32).toString('base64url')
    kept.set(WEB_SECRET_KEY, secret)
  }
  return Buffer.from(secret, 'utf8')
}
