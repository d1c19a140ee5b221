/**
 * The service with DATABASE_URL: its app store on a real PostgreSQL that another worker shares —
 * what one writes, the other's API serves and acts on — and a clear refusal to start when the
 * server is not there.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Incident } from '../../core/alert.js'
import { SchoolmeterError } from '../../core/errors.js'
import { hashSecret } from '../../core/secrets.js'
import { openPostgresAppStore } from '../../store/index.js'
import { freePort } from '../helpers/ports.js'
import { type Postgres, startPostgres } from '../helpers/postgres.js'
import { getJson, startTestService } from '../helpers/service.js'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '../..')

let server: Postgres
beforeAll(async () => {
  server = await startPostgres()
})
afterAll(async () => {
  await server?.stop()
})

const leak: Omit<Incident, 'id'> = {
  school: 'test-school',
  family: 'water_loss',
  building: 'main',
  meter: 'W1',
  rule: 'water.night_flow',
  severity: 'warning',
  status: 'open',
  openedAt: Date.parse('2026-11-16T02:00:00+08:00'),
  lastSeenAt: Date.parse('2026-11-16T03:00:00+08:00'),
  falsePositive: false,
  occurrences: 1,
  message: 'night flow',
  evidence: {},
}

describe('the service with its app store on PostgreSQL', () => {
  it('serves and acts on what another worker wrote, and closes its connections when it stops', async () => {
    await server.query('CREATE DATABASE district')
    const url = server.url.replace(/\/[^/]*$/, '/district')
    const svc = await startTestService({ env: { DATABASE_URL: url } })
    // Another worker of the district, on the same database.
    const other = await openPostgresAppStore(url)
    try {
      expect(await other.registry.counts()).toEqual({ schools: 2, buildings: 2, spaces: 1, meters: 7 })
      const id = await other.atomically(async (tx) => {
        const i = await tx.incidents.insert(leak)
        await tx.incidents.addEvent({ incident: i, transition: 'opened', at: leak.openedAt, recordedAt: 1 })
        return i
      })
      const listed = await getJson<{ id: number; status: string }[]>(`${svc.httpUrl}/api/v1/incidents`)
      expect(listed.status).toBe(200)
      expect(listed.body.map((i) => [i.id, i.status])).toEqual([[id, 'open']])
      const ack = await fetch(`${svc.httpUrl}/api/v1/incidents/${id}/ack`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ by: '王师傅', note: '去看看' }),
      })
      expect(ack.status).toBe(200)
      expect(await other.incidents.get(id)).toMatchObject({
        status: 'acknowledged',
        acknowledgedBy: '王师傅',
      })
      expect((await other.incidents.events(id)).map((e) => e.transition)).toEqual(['opened', 'acknowledged'])
      expect((await other.audit.list()).map((e) => e.action)).toContain('incident.acknowledge')
      const health = await getJson<{ parts: { store: { ok: boolean; detail: string } } }>(
        `${svc.httpUrl}/health`,
      )
      expect(health.status).toBe(200)
      // The store line names both: the stream's SQLite file and the shared server, without the login.
      const port = new URL(url).port
      expect(health.body.parts.store).toMatchObject({ ok: true })
      expect(health.body.parts.store.detail).toContain(`PostgreSQL 127.0.0.1:${port}/district`)
      expect(health.body.parts.store.detail).toContain('schoolmeter.db')
    } finally {
      await svc.stop()
      await other.close()
    }
    const left = await server.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'district' AND application_name = 'schoolmeter'",
    )
    expect(left).toEqual([{ n: 0 }])
  })

  it("two people acting on one incident at once: each audit row's `from` is the status its action found", async () => {
    await server.query('CREATE DATABASE together')
    const url = server.url.replace(/\/[^/]*$/, '/together')
    const svc = await startTestService({ env: { DATABASE_URL: url } })
    try {
      const id = await svc.store.atomically(async (tx) => {
        const i = await tx.incidents.insert(leak)
        await tx.incidents.addEvent({ incident: i, transition: 'opened', at: leak.openedAt, recordedAt: 1 })
        return i
      })
      const act = (action: string, body: unknown) =>
        fetch(`${svc.httpUrl}/api/v1/incidents/${id}/${action}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      // Sent together: each request's reads wait on the database while the other's go ahead.
      const answers = await Promise.all([
        act('ack', { by: '王师傅' }),
        act('assign', { to: '赵师傅', by: '王师傅' }),
      ])
      expect(answers.map((r) => r.status)).toEqual([200, 200])
      const rows = (await svc.store.audit.list())
        .filter((e) => e.target === `incident:${id}`)
        .sort((a, b) => a.id - b.id)
      const steps = rows.map((e) => e.detail as { from: string; to: string })
      expect(steps).toHaveLength(2)
      // Whatever order they took their turns in, the statuses chain: each starts where the one before ended.
      expect(steps[0]!.from).toBe('open')
      expect(steps[1]!.from).toBe(steps[0]!.to)
    } finally {
      await svc.stop()
    }
  })

  it('a sign-in form from one worker is taken by another when both have the same LINK_SECRET', async () => {
    await server.query('CREATE DATABASE forms')
    const url = server.url.replace(/\/[^/]*$/, '/forms')
    const shared = { DATABASE_URL: url, LINK_SECRET: 'a district secret of thirty-two chars or more' }
    const [a, b, other] = [
      await startTestService({ env: shared }),
      await startTestService({ env: shared }),
      await startTestService({ env: { DATABASE_URL: url } }),
    ]
    try {
      await a.store.users.add({
        username: 'wang',
        role: 'maintenance',
        hash: hashSecret('leak-fixer-2030'),
      })
      const form = await fetch(`${a.httpUrl}/login`)
      const cookie = form.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ')
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!
      const signIn = (on: string) =>
        fetch(`${on}/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
          body: new URLSearchParams({
            _csrf: csrf,
            username: 'wang',
            password: 'leak-fixer-2030',
          }).toString(),
        })
      // A worker with its own key (no LINK_SECRET) refuses the form; one with the district's takes it.
      expect((await signIn(other.httpUrl)).status).toBe(403)
      const taken = await signIn(b.httpUrl)
      expect(taken.status).toBe(303)
      expect(taken.headers.getSetCookie().some((c) => c.startsWith('smt_session='))).toBe(true)
    } finally {
      for (const s of [a, b, other]) await s.stop()
    }
  })

  it('the admin tool makes logins and tokens where the service reads them', async () => {
    await server.query('CREATE DATABASE tools')
    const url = server.url.replace(/\/[^/]*$/, '/tools')
    const env = {
      ...process.env,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'schoolmeter-pg-tools-')),
      DATABASE_URL: url,
      LOCALE: 'en',
    }
    const admin = (...args: string[]) => run('npx', ['tsx', 'app/admin.ts', ...args], { cwd: ROOT, env })
    const made = await admin('token', 'add', '--name', 'ops', '--role', 'admin')
    expect(made.stdout).toMatch(/smt_[0-9a-f]{12}_/)
    await admin('user', 'add', 'wang', '--role', 'maintenance', '--password', 'leak-fixer-2030')
    const store = await openPostgresAppStore(url)
    try {
      expect((await store.apiTokens.list()).map((t) => [t.name, t.role])).toEqual([['ops', 'admin']])
      expect((await store.users.list()).map((u) => u.username)).toEqual(['wang'])
      expect((await store.audit.list()).map((e) => e.action).sort()).toEqual(['token.create', 'user.create'])
    } finally {
      await store.close()
    }
  })

  it('does not start when the database server cannot be reached, and says so', async () => {
    const port = await freePort()
    const started = startTestService({
      dataDir: mkdtempSync(join(tmpdir(), 'schoolmeter-pg-down-')),
      env: { DATABASE_URL: `postgres://schoolmeter:secret@127.0.0.1:${port}/schoolmeter` },
    })
    const err = await started.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(SchoolmeterError)
    expect((err as SchoolmeterError).code).toBe('DATABASE_UNREACHABLE')
    expect((err as SchoolmeterError).text('zh-CN')).toContain(`无法连接 PostgreSQL 服务器 127.0.0.1:${port}`)
  })
})
