/**
 * API security through the real service (temp DATA_DIR, real SQLite, real HTTP): bearer tokens
 * and roles, 401 vs 403, who a write is recorded under, the audit log, token management by API
 * and by the real admin CLI, security headers, CORS, the rate limit and the safe default.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Service } from '../../app/service.js'
import { say } from '../../rules/types.js'
import { runAdmin } from '../helpers/admin-cli.js'
import { openTestStore } from '../helpers/app-store.js'
import { startTestService } from '../helpers/service.js'

/** The admin CLI as an operator runs it, on the service's DATA_DIR; in English unless told. */
async function admin(dataDir: string, ...args: string[]) {
  return adminIn('en', dataDir, ...args)
}

async function adminIn(locale: string | undefined, dataDir: string, ...args: string[]) {
  return runAdmin(args, { DATA_DIR: dataDir, LOCALE: locale })
}

function call(url: string, token?: string, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers)
  if (token) headers.set('authorization', `Bearer ${token}`)
  if (init.json !== undefined) headers.set('content-type', 'application/json')
  return fetch(url, {
    ...init,
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
  })
}

/** Opens an alert on a meter of the test registry, as a rule would. */
async function openAlert(svc: Service, meter: string, rule = 'water.continuous_flow'): Promise<number> {
  const m = svc.config.registry.meters.get(meter)!
  const alert = await svc.alerts.raise(
    rule,
    m,
    {
      active: true,
      severity: 'warning',
      message: say('rule.meter.offline', { meter, place: meter, minutes: 60 }),
      evidence: {},
    },
    Date.now(),
  )
  return alert.id
}

type Svc = Service & { dataDir: string }

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
const json = (res: Response): Promise<any> => res.json()

describe('API tokens and roles', () => {
  let svc: Svc
  let viewer: string
  let caretaker: string
  let ops: string
  const url = (path: string) => `${svc.httpUrl}${path}`

  beforeAll(async () => {
    svc = await startTestService()
    viewer = (await svc.store.apiTokens.add('dashboard', 'viewer')).token
    caretaker = (await svc.store.apiTokens.add('caretaker', 'maintenance')).token
    ops = (await svc.store.apiTokens.add('ops', 'admin')).token
  })
  afterAll(async () => {
    await svc?.stop()
  })

  it('GET /health needs no token', async () => {
    const res = await fetch(url('/health'))
    expect(res.status).toBe(200)
  })

  it('no token is 401 with a Bearer challenge and an error saying what to do', async () => {
    const res = await fetch(url('/api/v1/alerts?lang=en'))
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="schoolmeter"$/)
    expect(await json(res)).toEqual({
      error: 'unauthorized',
      message: expect.stringMatching(/Authorization: Bearer.*npm run admin -- token add/),
    })
    // Unknown routes do not reveal themselves to strangers either.
    expect((await fetch(url('/api/v1/nothing'))).status).toBe(401)
  })

  it('a wrong, malformed or non-bearer token is 401 invalid_token', async () => {
    const [, id] = /^smt_([0-9a-f]+)_/.exec(viewer)!
    for (const header of [
      `Bearer smt_${id}_${'x'.repeat(43)}`,
      'Bearer smt_000000000000_abcdefabcdefabcdefabcdef',
      'Bearer nonsense',
      'Basic dXNlcjpwYXNz',
    ]) {
      const res = await fetch(url('/api/v1/alerts'), { headers: { authorization: header } })
      expect(res.status, header).toBe(401)
      expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/)
      expect((await json(res)).error).toBe('invalid_token')
    }
  })

  it('a viewer reads (alerts, registry, metrics, unknown routes 404) but may not acknowledge: 403', async () => {
    const id = await openAlert(svc, 'W1')
    const list = await call(url('/api/v1/alerts'), viewer)
    expect(list.status).toBe(200)
    expect((await json(list)).map((a: { id: number }) => a.id)).toContain(id)
    expect((await call(url('/api/v1/schools'), viewer)).status).toBe(200)
    expect((await call(url('/api/v1/nothing'), viewer)).status).toBe(404)

    const ack = await call(url(`/api/v1/alerts/${id}/ack?lang=en`), viewer, { method: 'POST' })
    expect(ack.status).toBe(403)
    expect(ack.headers.get('www-authenticate')).toMatch(/insufficient_scope/)
    expect(await json(ack)).toEqual({
      error: 'forbidden',
      message:
        'token "dashboard" has the viewer role; POST /api/v1/alerts/:id/ack needs maintenance or higher',
    })
    const chinese = await call(url(`/api/v1/alerts/${id}/ack`), viewer, { method: 'POST' })
    expect(await json(chinese)).toEqual({
      error: 'forbidden',
      message: '令牌“dashboard”的角色是 viewer；POST /api/v1/alerts/:id/ack 需要 maintenance 或更高的角色',
    })
    expect((await svc.store.alerts.get(id))?.status).toBe('open')
    // Token management is for admins only.
    expect((await call(url('/api/v1/tokens'), viewer)).status).toBe(403)
    expect((await call(url('/api/v1/tokens'), caretaker)).status).toBe(403)
  })

  it('maintenance acknowledges and resolves under the token name; a different `by` only goes into the note', async () => {
    const id = await openAlert(svc, 'W2')
    const ack = await call(url(`/api/v1/alerts/${id}/ack`), caretaker, {
      method: 'POST',
      json: { by: 'Zhang', note: 'checking the riser' },
    })
    expect(ack.status).toBe(200)
    expect(await json(ack)).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'caretaker',
      note: '[by Zhang] checking the riser',
    })
    const resolve = await call(url(`/api/v1/alerts/${id}/resolve`), caretaker, {
      method: 'POST',
      json: { falsePositive: true },
    })
    expect(await json(resolve)).toMatchObject({
      status: 'resolved',
      resolvedBy: 'caretaker',
      falsePositive: true,
    })

    // An action on an alert is an action on its incident, recorded as such.
    const incident = (await svc.store.alerts.get(id))!.incident!
    const rows = await svc.store.audit.list({ target: `incident:${incident}` })
    expect(rows.map((r) => [r.actor, r.action])).toEqual([
      ['caretaker', 'incident.resolve'],
      ['caretaker', 'incident.acknowledge'],
    ])
    expect(rows[1]!.detail).toMatchObject({
      from: 'open',
      to: 'acknowledged',
      statedBy: 'Zhang',
      note: 'checking the riser',
      meter: 'W2',
      alert: id,
    })
    expect(rows[0]!.detail).toMatchObject({ from: 'acknowledged', to: 'resolved', falsePositive: true })
    // The history says the same.
    const detail = await json(await call(url(`/api/v1/alerts/${id}`), viewer))
    expect(detail.history.slice(1).map((e: { by: string }) => e.by)).toEqual(['caretaker', 'caretaker'])
    // Admins read the audit log over HTTP too.
    const audit = await call(url(`/api/v1/audit?target=incident:${incident}`), ops)
    expect(audit.status).toBe(200)
    expect((await json(audit))[1]).toMatchObject({ actor: 'caretaker', action: 'incident.acknowledge' })
  })

  it('an admin makes a token through the API, which works until revoked; both are audited', async () => {
    const made = await call(url('/api/v1/tokens'), ops, {
      method: 'POST',
      json: { name: 'grafana', role: 'viewer' },
    })
    expect(made.status).toBe(201)
    const body = await json(made)
    expect(body).toMatchObject({ name: 'grafana', role: 'viewer', token: expect.stringMatching(/^smt_/) })
    expect((await call(url('/api/v1/schools'), body.token)).status).toBe(200)

    const dup = await call(url('/api/v1/tokens'), ops, {
      method: 'POST',
      json: { name: 'grafana', role: 'admin' },
    })
    expect(dup.status).toBe(409)
    expect((await json(dup)).error).toBe('token_name_taken')
    const badRole = await call(url('/api/v1/tokens'), ops, {
      method: 'POST',
      json: { name: 'x', role: 'root' },
    })
    expect(badRole.status).toBe(400)

    const listed = await json(await call(url('/api/v1/tokens'), ops))
    expect(listed.map((t: { name: string }) => t.name)).toEqual(['dashboard', 'caretaker', 'ops', 'grafana'])
    expect(JSON.stringify(listed)).not.toMatch(/scrypt|smt_/)

    const revoked = await call(url(`/api/v1/tokens/${body.id}`), ops, { method: 'DELETE' })
    expect(revoked.status).toBe(200)
    expect(await json(revoked)).toMatchObject({ id: body.id, revokedAt: expect.any(String) })
    const after = await call(url('/api/v1/schools'), body.token)
    expect(after.status).toBe(401)
    expect((await call(url(`/api/v1/tokens/${body.id}`), ops, { method: 'DELETE' })).status).toBe(409)

    const audit = await svc.store.audit.list({ target: `token:${body.id}` })
    expect(audit.map((r) => [r.actor, r.action])).toEqual([
      ['ops', 'token.revoke'],
      ['ops', 'token.create'],
    ])
    expect(JSON.stringify(audit)).not.toContain(body.token)
  })

  it('the last admin token cannot be revoked through the API', async () => {
    const ids = (await svc.store.apiTokens.list()).filter((t) => t.role === 'admin')
    expect(ids).toHaveLength(1)
    const res = await call(url(`/api/v1/tokens/${ids[0]!.id}`), ops, { method: 'DELETE' })
    expect(res.status).toBe(409)
    expect((await json(res)).error).toBe('last_admin')
  })

  it('rotating a token through the API stops the old secret at once, though it was just verified', async () => {
    const { token, row } = await svc.store.apiTokens.add('kiosk', 'viewer')
    expect((await call(url('/api/v1/schools'), token)).status).toBe(200)
    const rotated = await call(url(`/api/v1/tokens/${row.id}/rotate`), ops, { method: 'POST' })
    expect(rotated.status).toBe(200)
    const fresh = (await json(rotated)).token as string
    expect(fresh).not.toBe(token)
    expect((await call(url('/api/v1/schools'), token)).status).toBe(401)
    expect((await call(url('/api/v1/schools'), fresh)).status).toBe(200)
  })

  it('/metrics needs a viewer token while auth is on and METRICS_PUBLIC=0', async () => {
    expect((await fetch(url('/metrics'))).status).toBe(401)
    const res = await call(url('/metrics'), viewer)
    expect(res.status).toBe(200)
    expect(await res.text()).toMatch(/schoolmeter_readings_accepted_total/)
  })

  it('security headers: a locked-down CSP for the API, a relaxed one for Swagger UI, which stays open on loopback', async () => {
    const res = await call(url('/api/v1/schools'), viewer)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN')
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/)
    expect(res.headers.get('strict-transport-security')).toBeNull()
    expect(res.headers.get('x-powered-by')).toBeNull()
    // Headers on refusals too.
    expect((await fetch(url('/api/v1/schools'))).headers.get('x-content-type-options')).toBe('nosniff')

    const docs = await fetch(url('/docs'), { redirect: 'follow' })
    expect(docs.status).toBe(200)
    expect(await docs.text()).toMatch(/swagger/i)
    const csp = docs.headers.get('content-security-policy') ?? ''
    expect(csp).toMatch(/script-src 'self'/)
    expect(csp).toMatch(/style-src 'self' 'unsafe-inline'/)
    expect(csp).not.toMatch(/upgrade-insecure-requests/)
    const script = await fetch(url('/docs/static/swagger-initializer.js'))
    expect(script.status).toBe(200)
    expect(script.headers.get('content-security-policy')).toBe(csp)
    const spec = await fetch(url('/docs/json'))
    expect(spec.status).toBe(200)
    const doc = await json(spec)
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(doc.paths['/health'].get.security).toEqual([])
    expect(Object.keys(doc.paths['/api/v1/alerts/{id}/ack'].post.responses)).toEqual(
      expect.arrayContaining(['200', '401', '403', '429']),
    )
  })

  it('no CORS headers unless CORS_ORIGINS is set', async () => {
    const res = await call(url('/api/v1/schools'), viewer, { headers: { origin: 'https://evil.example' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('the admin CLI against a running service', () => {
  let svc: Svc
  beforeAll(async () => {
    svc = await startTestService()
  })
  afterAll(async () => {
    await svc?.stop()
  })
  const schools = (token?: string) => call(`${svc.httpUrl}/api/v1/schools`, token)

  it('add prints a token once; rotate replaces it; revoke ends it; list never shows secrets', async () => {
    // No token yet, on loopback: the demo case, open.
    expect((await schools()).status).toBe(200)

    const added = await admin(svc.dataDir, 'token', 'add', '--name', 'ops', '--role', 'admin')
    expect(added.code, added.stderr).toBe(0)
    const token = added.stdout.trim()
    expect(token).toMatch(/^smt_[0-9a-f]{12}_\S+$/)
    expect(added.stderr).toMatch(/shown this once/)
    // The running service now asks for a token, and takes this one.
    expect((await schools()).status).toBe(401)
    expect((await schools(token)).status).toBe(200)

    const rotated = await admin(svc.dataDir, 'token', 'rotate', 'ops')
    expect(rotated.code, rotated.stderr).toBe(0)
    const fresh = rotated.stdout.trim()
    expect(fresh.slice(0, 17)).toBe(token.slice(0, 17)) // same id
    expect((await schools(token)).status).toBe(401)
    expect((await schools(fresh)).status).toBe(200)

    const list = await admin(svc.dataDir, 'token', 'list')
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/ops\s+admin/)
    expect(list.stdout).not.toMatch(/scrypt|smt_/)

    const revoked = await admin(svc.dataDir, 'token', 'revoke', 'ops')
    expect(revoked.code, revoked.stderr).toBe(0)
    expect((await schools(fresh)).status).toBe(401)

    const audit = (await svc.store.audit.list()).map((r) => r.action)
    expect(audit).toEqual(['token.revoke', 'token.rotate', 'token.create'])
    expect((await svc.store.audit.list())[0]!.actor).toMatch(/^cli:/)
  }, 120_000)

  it('says what is wrong: unknown role, duplicate name, unknown token, unknown command', async () => {
    await svc.store.apiTokens.add('twice', 'viewer')
    const [role, dup, unknown, help, bad, option, chinese, chineseHelp] = await Promise.all([
      admin(svc.dataDir, 'token', 'add', '--name', 'x', '--role', 'root'),
      admin(svc.dataDir, 'token', 'add', '--name', 'twice', '--role', 'viewer'),
      admin(svc.dataDir, 'token', 'revoke', 'nobody'),
      admin(svc.dataDir, 'token', '--help'),
      admin(svc.dataDir, 'token', 'frobnicate'),
      admin(svc.dataDir, 'token', 'list', '--sheep'),
      // The test district names no language: the default, Chinese.
      adminIn(undefined, svc.dataDir, 'token', 'revoke', 'nobody'),
      adminIn(undefined, svc.dataDir, 'token', '--help'),
    ])
    expect(role.code).toBe(2)
    expect(role.stderr).toMatch(/unknown role "root"; use one of viewer, maintenance, admin/)
    expect(dup.code).toBe(2)
    expect(dup.stderr).toMatch(/already named "twice"/)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/no active API token has the id or name "nobody"/)
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/add --name NAME --role ROLE/)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/unknown command "frobnicate"/)
    // An unknown option is a sentence and the usage, not a stack trace.
    expect(option.code).toBe(2)
    expect(option.stderr).toMatch(/^unknown option --sheep\n\nusage: npm run admin -- token/)
    expect(chinese.code).toBe(2)
    expect(chinese.stderr.trim()).toBe(
      '没有编号或名称为“nobody”的有效 API 令牌；`npm run admin -- token list` 可列出全部令牌',
    )
    expect(chineseHelp.stdout).toMatch(/^用法：npm run admin -- token <命令> \[选项\]/)
  }, 120_000)
})

describe('configured by the environment', () => {
  it('METRICS_PUBLIC=1 opens /metrics while the rest still needs a token', async () => {
    const svc = await startTestService({ env: { METRICS_PUBLIC: '1' } })
    try {
      await svc.store.apiTokens.add('ops', 'admin')
      expect((await fetch(`${svc.httpUrl}/metrics`)).status).toBe(200)
      expect((await fetch(`${svc.httpUrl}/api/v1/schools`)).status).toBe(401)
    } finally {
      await svc.stop()
    }
  })

  it('CORS_ORIGINS allows the configured origins only, preflight included', async () => {
    const svc = await startTestService({
      env: { CORS_ORIGINS: 'https://grafana.example, https://ops.example' },
    })
    try {
      const ok = await fetch(`${svc.httpUrl}/api/v1/schools`, {
        headers: { origin: 'https://grafana.example' },
      })
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://grafana.example')
      const other = await fetch(`${svc.httpUrl}/api/v1/schools`, {
        headers: { origin: 'https://evil.example' },
      })
      expect(other.headers.get('access-control-allow-origin')).toBeNull()
      // A preflight carries no token and is answered even when tokens are asked for.
      await svc.store.apiTokens.add('ops', 'admin')
      const pre = await fetch(`${svc.httpUrl}/api/v1/alerts/1/ack`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://ops.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      })
      expect(pre.status).toBe(204)
      expect(pre.headers.get('access-control-allow-origin')).toBe('https://ops.example')
      expect(pre.headers.get('access-control-allow-headers')).toMatch(/authorization/i)
    } finally {
      await svc.stop()
    }
  })

  it('API_RATE_LIMIT: beyond it 429 with Retry-After; /health is never limited', async () => {
    const svc = await startTestService({ env: { API_RATE_LIMIT: '5' } })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 7; i++) statuses.push((await fetch(`${svc.httpUrl}/api/v1/schools`)).status)
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429])
      const res = await fetch(`${svc.httpUrl}/api/v1/schools`, { headers: { 'accept-language': 'en' } })
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(await json(res)).toEqual({
        error: 'rate_limited',
        message: expect.stringMatching(/^more than 5 requests a minute; retry in \d+ s \(API_RATE_LIMIT\)$/),
      })
      const zh = await fetch(`${svc.httpUrl}/api/v1/schools`)
      expect((await json(zh)).message).toMatch(/^每分钟请求超过 5 次；请在 \d+ 秒后重试（API_RATE_LIMIT）$/)
      for (let i = 0; i < 10; i++) expect((await fetch(`${svc.httpUrl}/health`)).status).toBe(200)
    } finally {
      await svc.stop()
    }
  })

  it('a verified token has its own allowance, apart from its address', async () => {
    const svc = await startTestService({ env: { API_RATE_LIMIT: '3' } })
    try {
      const { token } = await svc.store.apiTokens.add('ops', 'admin')
      // The first request counts against the address (the token is not verified yet) ...
      expect((await call(`${svc.httpUrl}/api/v1/schools`, token)).status).toBe(200)
      for (let i = 0; i < 3; i++)
        expect((await call(`${svc.httpUrl}/api/v1/schools`, token)).status).toBe(200)
      expect((await call(`${svc.httpUrl}/api/v1/schools`, token)).status).toBe(429)
      // ... which still has two requests left.
      expect((await fetch(`${svc.httpUrl}/api/v1/schools`)).status).toBe(401)
    } finally {
      await svc.stop()
    }
  })

  it('without a token, writes are recorded as anonymous with the stated name (the loopback demo)', async () => {
    const svc = await startTestService()
    try {
      const id = await openAlert(svc, 'W1')
      const res = await call(`${svc.httpUrl}/api/v1/alerts/${id}/ack`, undefined, {
        method: 'POST',
        json: { by: 'Zhang (maintenance)' },
      })
      expect(await json(res)).toMatchObject({ acknowledgedBy: 'Zhang (maintenance)' })
      expect((await svc.store.audit.list())[0]).toMatchObject({
        actor: 'anonymous',
        action: 'incident.acknowledge',
        target: `incident:${(await svc.store.alerts.get(id))!.incident}`,
        detail: { statedBy: 'Zhang (maintenance)' },
      })
    } finally {
      await svc.stop()
    }
  })

  it('an API beyond loopback with no token refuses to start and says how to fix it', async () => {
    const start = startTestService({ env: { HTTP_HOST: '0.0.0.0' } })
    await expect(start).rejects.toMatchObject({ name: 'ConfigError' })
    await expect(start).rejects.toThrow(/HTTP_HOST: got "0\.0\.0\.0"/)
    await expect(start).rejects.toThrow(/npm run admin -- token add --role admin --name ops/)
    await expect(start).rejects.toThrow(/ALLOW_ANONYMOUS=1/)
    // ALLOW_ANONYMOUS=0 asks for tokens on loopback too: the same rule.
    await expect(startTestService({ env: { ALLOW_ANONYMOUS: '0' } })).rejects.toThrow(
      /ALLOW_ANONYMOUS: got "0"; expected an API token to exist first/,
    )
  })

  it('beyond loopback it starts with ALLOW_ANONYMOUS=1, or once a token exists (and then asks for it)', async () => {
    const open = await startTestService({ env: { HTTP_HOST: '0.0.0.0', ALLOW_ANONYMOUS: '1' } })
    try {
      const port = new URL(open.httpUrl).port
      expect((await fetch(`http://127.0.0.1:${port}/api/v1/schools`)).status).toBe(200)
    } finally {
      await open.stop()
    }

    const dataDir = mkdtempSync(join(tmpdir(), 'schoolmeter-sec-'))
    const store = await openTestStore(dataDir)
    const { token } = await store.apiTokens.add('ops', 'admin')
    await store.close()
    const guarded = await startTestService({ dataDir, env: { HTTP_HOST: '0.0.0.0' } })
    try {
      const base = `http://127.0.0.1:${new URL(guarded.httpUrl).port}`
      expect((await fetch(`${base}/api/v1/schools`)).status).toBe(401)
      expect((await call(`${base}/api/v1/schools`, token)).status).toBe(200)
    } finally {
      await guarded.stop()
    }
  })
})
