/**
 * SQLite and PostgreSQL answer alike: one long seeded sequence of calls — writes, lists with
 * filters, every page of a walk, queues, errors — goes to both stores, and every answer must be
 * the same, ids, order, cursors and sentences included.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { AlertStatus, IncidentFamily, Severity } from '../../core/alert.js'
import type { AppStore } from '../../store/types.js'
import { type AppStoreUnderTest, postgresBackend, sqliteBackend } from '../helpers/appStores.js'

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function generator(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  const maybe = <T>(p: number, v: () => T): T | undefined => (next() < p ? v() : undefined)
  return { int, pick, maybe }
}

const RULES = ['water.night_flow', 'water.burst', 'electricity.after_hours'] as const
const METERS = ['W1', 'W2', 'E1', 'T1'] as const
const SCHOOLS = ['a', 'b'] as const
const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical']
const STATUSES: readonly AlertStatus[] = ['open', 'acknowledged', 'resolved']
const FAMILIES: readonly IncidentFamily[] = ['water_loss', 'appliance', 'meter_silent']
const CHANNELS = ['webhook', 'mqtt', 'email'] as const
const TARGETS = ['t1', 'T1', 't-2', '目标'] as const
const NAMES = ['li', 'LI', 'wang', 'Wang', 'zhao', 'bad name', 'anonymous', 'ops'] as const

/** A call and what it answered (or how it failed). */
type Step = [call: string, answer: unknown]

async function answer(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return await call()
  } catch (err) {
    const e = err as Error & { code?: string }
    // The store's own errors must match in class, code and sentence; a database's own (a broken
    // constraint) only in failing.
    return e.code && !/^(SQLITE|[0-9A-Z]{5}$)/.test(e.code)
      ? { failed: e.constructor.name, code: e.code, message: e.message }
      : { failed: true }
  }
}

/** Plays `count` seeded calls on `store`; the decisions read only the store's own answers. */
async function play(store: AppStore, seed: number, count: number): Promise<Step[]> {
  const { int, pick, maybe } = generator(seed)
  const steps: Step[] = []
  const step = async (call: string, run: () => Promise<unknown>) => {
    const a = await answer(run)
    steps.push([call, a])
    return a
  }
  const alerts: number[] = []
  const alertEvents: number[] = []
  const incidents: number[] = []
  const incidentEvents: number[] = []
  const filterOf = () => ({
    ...(maybe(0.3, () => ({ status: pick([...STATUSES, 'active'] as const) })) ?? {}),
    ...(maybe(0.3, () => ({ school: pick(SCHOOLS) })) ?? {}),
    ...(maybe(0.2, () => ({ severity: pick(SEVERITIES) })) ?? {}),
    ...(maybe(0.2, () => ({ meter: pick(METERS) })) ?? {}),
    ...(maybe(0.2, () => ({ from: int(20) })) ?? {}),
    ...(maybe(0.2, () => ({ to: int(40) })) ?? {}),
    ...(maybe(0.3, () => ({ limit: 1 + int(6) })) ?? {}),
  })
  for (let n = 0; n < count; n++) {
    const at = int(30)
    switch (int(22)) {
      case 0:
      case 1: {
        const rule = pick(RULES)
        const meter = pick(METERS)
        const key = `${rule}|${meter}`
        // At most one active alert per key: a second one would fail on both, and PostgreSQL's
        // sequence would move on where SQLite's rowid does not.
        const active = await store.alerts.active(key)
        const status = active ? 'resolved' : pick(STATUSES)
        const id = await step('alerts.insert', () =>
          store.alerts.insert({
            key,
            school: pick(SCHOOLS),
            building: 'b',
            meter,
            rule,
            severity: pick(SEVERITIES),
            status,
            openedAt: at,
            lastSeenAt: at,
            falsePositive: false,
            message: `m${n}`,
            evidence: { n, values: [at, 0.5] },
            ...(incidents.length && int(2) ? { incident: pick(incidents) } : {}),
            ...(int(2) ? { text: { key: 'rule.water.burst' as const, params: { n } } } : {}),
          }),
        )
        if (typeof id === 'number') alerts.push(id)
        break
      }
      case 2:
        if (alerts.length) {
          const id = pick(alerts)
          const current = await store.alerts.get(id)
          const status = current?.status === 'resolved' ? 'resolved' : pick(STATUSES)
          await step('alerts.update', () =>
            store.alerts.update(id, {
              status,
              ...(maybe(0.5, () => ({ note: `note ${n}` })) ?? {}),
              ...(maybe(0.3, () => ({ escalatedAt: at })) ?? {}),
              ...(maybe(0.3, () => ({ falsePositive: int(2) === 1 })) ?? {}),
            }),
          )
        }
        break
      case 3:
        await step('alerts.list', () => store.alerts.list(filterOf()))
        break
      case 4: {
        // Every page of a walk, cursors included.
        const f = filterOf()
        let page = (await step('alerts.page', () => store.alerts.page(f))) as { next?: string }
        for (let guard = 0; page.next && guard < 50; guard++) {
          const cursor = page.next
          page = (await step('alerts.page', () => store.alerts.page({ ...f, cursor }))) as { next?: string }
        }
        break
      }
      case 5:
        if (alerts.length) {
          const id = pick(alerts)
          const ev = await step('alerts.addEvent', () =>
            store.alerts.addEvent(
              id,
              pick(['opened', 'acknowledged', 'resolved']),
              at,
              maybe(0.5, () => 'li'),
              undefined,
              at * 10,
            ),
          )
          if (typeof ev === 'number') alertEvents.push(ev)
          await step('alerts.events', () => store.alerts.events(id))
        }
        break
      case 6:
        await step('alerts.toEscalate', () => store.alerts.toEscalate(int(300)))
        await step('alerts.latest', () => store.alerts.latest(`${pick(RULES)}|${pick(METERS)}`))
        break
      case 7: {
        const id = await step('incidents.insert', () =>
          store.incidents.insert({
            school: pick(SCHOOLS),
            family: pick(FAMILIES),
            building: 'b',
            meter: pick(METERS),
            rule: pick(RULES),
            severity: pick(SEVERITIES),
            status: pick(STATUSES),
            openedAt: at,
            lastSeenAt: at,
            falsePositive: false,
            occurrences: 1,
            message: `i${n}`,
            evidence: {},
          }),
        )
        if (typeof id === 'number') incidents.push(id)
        break
      }
      case 8:
        if (incidents.length)
          await step('incidents.update', () =>
            store.incidents.update(pick(incidents), {
              ...(maybe(0.5, () => ({ status: pick(STATUSES) })) ?? {}),
              ...(maybe(0.5, () => ({ quietSince: at })) ?? {}),
              ...(maybe(0.3, () => ({ assignedTo: pick(NAMES) })) ?? {}),
              occurrences: 1 + int(5),
            }),
          )
        break
      case 9: {
        const f = { ...filterOf(), ...(maybe(0.3, () => ({ rule: pick(RULES) })) ?? {}) }
        await step('incidents.list', () => store.incidents.list(f))
        let page = (await step('incidents.page', () => store.incidents.page(f))) as { next?: string }
        for (let guard = 0; page.next && guard < 50; guard++) {
          const cursor = page.next
          page = (await step('incidents.page', () => store.incidents.page({ ...f, cursor }))) as {
            next?: string
          }
        }
        break
      }
      case 10:
        await step('incidents.active', () =>
          store.incidents.active(
            pick(SCHOOLS),
            pick(FAMILIES),
            maybe(0.5, () => [pick(METERS), pick(METERS)]),
          ),
        )
        await step('incidents.quiet', () => store.incidents.quiet(pick(SCHOOLS), int(30)))
        await step('incidents.toEscalate', () => store.incidents.toEscalate(int(300)))
        break
      case 11:
        if (incidents.length) {
          const incident = pick(incidents)
          const ev = await step('incidents.addEvent', () =>
            store.incidents.addEvent({
              incident,
              transition: pick(['opened', 'occurred', 'resolved']),
              at,
              ...(alerts.length && int(2) ? { alert: pick(alerts) } : {}),
              recordedAt: at * 10,
            }),
          )
          if (typeof ev === 'number') incidentEvents.push(ev)
          await step('incidents.events', () => store.incidents.events(incident))
          await step('alerts.ofIncident', () => store.alerts.ofIncident(incident))
          await step('alerts.membersOf', () => store.alerts.membersOf(incident))
        }
        break
      case 12: {
        const d = {
          channel: pick(CHANNELS),
          target: pick(TARGETS),
          payload: `p${n}`,
          dueAt: at,
          priority: int(3),
        }
        if (alertEvents.length && int(3) === 0)
          await step('outbox.enqueue', () => store.outbox.enqueue(pick(alertEvents), d, at))
        else if (incidentEvents.length && int(2))
          await step('outbox.enqueueIncident', () =>
            store.outbox.enqueueIncident(pick(incidentEvents), d, at),
          )
        else
          await step('outbox.enqueueMessage', () =>
            store.outbox.enqueueMessage(`k${int(4)}`, d.channel, d.target, d.payload, d.dueAt, at),
          )
        break
      }
      case 13: {
        const now = int(40)
        await step('outbox.lanesDue', () => store.outbox.lanesDue(now))
        await step('outbox.dueIn', () => store.outbox.dueIn(pick(CHANNELS), pick(TARGETS), now, 1 + int(4)))
        await step('outbox.nextDue', () => store.outbox.nextDue())
        await step('outbox.pending', () => store.outbox.pending())
        break
      }
      case 14: {
        const due = await store.outbox.dueIn(pick(CHANNELS), pick(TARGETS), 100)
        for (const row of due.slice(0, 2)) {
          const what = int(4)
          if (what === 0)
            await step('outbox.sent', () =>
              store.outbox.sent(row.id, at, pick(['sent', 'digest', 'skipped'])),
            )
          else if (what === 1) await step('outbox.retry', () => store.outbox.retry(row.id, at + 5, `e${n}`))
          else if (what === 2) await step('outbox.postpone', () => store.outbox.postpone(row.id, at + 7))
          else await step('outbox.failed', () => store.outbox.failed(row.id, at, `gave up ${n}`))
        }
        break
      }
      case 15:
        await step('outbox.all', () => store.outbox.all())
        if (incidents.length) {
          const incident = pick(incidents)
          await step('outbox.ofIncident', () => store.outbox.ofIncident(incident))
          await step('outbox.announced', () =>
            store.outbox.announced(
              incident,
              pick(CHANNELS),
              pick(TARGETS),
              ['opened', 'resolved'].slice(0, int(3)),
            ),
          )
        }
        break
      case 16:
        await step('audit.record', () =>
          store.audit.record(
            {
              actor: pick(NAMES),
              action: pick(['a.x', 'a.y']),
              ...(int(2) ? { target: pick(TARGETS) } : {}),
            },
            at,
          ),
        )
        await step('audit.list', () =>
          store.audit.list({
            ...(maybe(0.4, () => ({ actor: pick(NAMES) })) ?? {}),
            ...(maybe(0.4, () => ({ target: pick(TARGETS) })) ?? {}),
            ...(maybe(0.4, () => ({ limit: 1 + int(4) })) ?? {}),
          }),
        )
        break
      case 17:
        await step('anomalies.insert', () =>
          store.anomalies.insert({
            meterId: pick(METERS),
            ts: at,
            type: pick(['reset', 'rollover']),
            previous: at * 1.5,
            current: 0.1,
            counted: at / 3,
            recordedAt: n,
          }),
        )
        await step('anomalies.list', () =>
          store.anomalies.list(
            maybe(0.5, () => pick(METERS)),
            1 + int(5),
          ),
        )
        break
      case 18:
        await step('users.add', async () => {
          const u = await store.users.add(
            { username: pick(NAMES), role: pick(['viewer', 'admin', 'boss']), hash: `h${n}`, schools: ['a'] },
            at,
          )
          return u.username
        })
        break
      case 19: {
        const name = pick(NAMES)
        const what = int(4)
        if (what === 0)
          await step('users.update', () => store.users.update(name, { name: pick(['李', ' ', 'Li']) }))
        else if (what === 1) await step('users.disable', () => store.users.disable(name, at))
        else if (what === 2) await step('users.enable', () => store.users.enable(name))
        else await step('users.list', () => store.users.list(int(2) === 1))
        await step('users.hasActive', () => store.users.hasActive())
        break
      }
      case 20:
        // Token ids and secrets are random: compare what is not.
        await step('apiTokens.add', async () => {
          const { row } = await store.apiTokens.add(pick(NAMES), pick(['viewer', 'admin', 'boss']), at)
          return [row.name, row.role, row.createdAt]
        })
        // Tokens made at the same time are listed by their (random) ids: compared sorted.
        await step('apiTokens.list', async () =>
          (await store.apiTokens.list(true)).map((t) => `${t.name} ${t.createdAt} ${t.revokedAt}`).sort(),
        )
        break
      case 21:
        await step('apiTokens.revoke', async () => {
          const row = await store.apiTokens.revoke(pick(NAMES), at)
          return [row.name, row.revokedAt]
        })
        await step('apiTokens.activeCount', () =>
          store.apiTokens.activeCount(maybe(0.5, () => 'admin' as const)),
        )
        break
    }
  }
  return steps
}

describe('SQLite and PostgreSQL answer alike', () => {
  const postgres = postgresBackend()
  const opened: AppStoreUnderTest[] = []
  afterAll(async () => {
    for (const o of opened) await o.close()
    await postgres.stop()
  })

  it.each([1, 2, 3])('a seeded sequence of 400 calls (seed %i)', async (seed) => {
    const [lite, served] = [await sqliteBackend.open(), await postgres.open()]
    opened.push(lite, served)
    const expected = await play(lite.store, seed, 400)
    const got = await play(served.store, seed, 400)
    // Step by step, so that a difference names its call.
    for (let i = 0; i < Math.max(expected.length, got.length); i++)
      expect([i, got[i]]).toEqual([i, expected[i]])
    // The sequence did something: pages were walked, errors met, rows written.
    const calls = new Set(expected.map(([call]) => call))
    expect(calls.size).toBeGreaterThan(30)
    expect(expected.filter(([call]) => call === 'alerts.page').length).toBeGreaterThan(20)
    expect(expected.some(([, a]) => (a as { code?: string })?.code === 'USER_NAME_TAKEN')).toBe(true)
  })
})
