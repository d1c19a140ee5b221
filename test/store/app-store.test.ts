/**
 * The app store's behaviour, the same cases on each implementation: SQLite (the embedded default)
 * and PostgreSQL (DATABASE_URL) on a real server. Results, their order, page cursors, errors and
 * their sentences must not depend on which database answers.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import type { Delivery } from '../../core/alert.js'
import type { SchoolmeterError } from '../../core/errors.js'
import { hashSecret, verifySecret } from '../../core/secrets.js'
import { TokenError } from '../../store/security.js'
import type { AppStore } from '../../store/types.js'
import { sessionId, UserError } from '../../store/users.js'
import { type AppStoreUnderTest, anAlert, anIncident, appStoreBackends } from '../helpers/appStores.js'
import { testRegistry } from '../helpers/registry.js'

const MIN = 60_000
const LIFE = { idleMs: 10 * MIN, maxMs: 60 * MIN }

const delivery = (over: Partial<Delivery> = {}): Delivery => ({
  channel: 'webhook',
  target: 'https://ops.example/hook',
  payload: '{}',
  dueAt: 10,
  priority: 1,
  ...over,
})

/** What an error says about itself: its class, code and sentence. */
async function failure(p: Promise<unknown>): Promise<{ name: string; code?: string; message: string }> {
  try {
    await p
  } catch (err) {
    const e = err as SchoolmeterError
    return { name: e.constructor.name, ...(e.code ? { code: e.code } : {}), message: e.message }
  }
  throw new Error('expected a failure')
}

describe.each(appStoreBackends())('the app store on $name', (backend) => {
  let open: AppStoreUnderTest
  let store: AppStore
  const opened: AppStoreUnderTest[] = []

  beforeEach(async () => {
    open = await backend.open()
    store = open.store
    opened.push(open)
  })

  afterAll(async () => {
    for (const o of opened) await o.close()
    await backend.stop()
  })

  describe('alerts', () => {
    it('keeps an alert as written, finds it by key while active, and updates what may change', async () => {
      const id = await store.alerts.insert(
        anAlert('water.night_flow', 'W1', {
          space: 'r101',
          text: { key: 'rule.water.night_flow', params: { litres: 12.5 } },
          evidence: { flow: [1, 2.5], note: '夜间' },
        }),
      )
      expect(await store.alerts.get(id)).toEqual({
        id,
        key: 'water.night_flow|W1',
        school: 'a',
        building: 'b',
        meter: 'W1',
        space: 'r101',
        rule: 'water.night_flow',
        severity: 'warning',
        status: 'open',
        openedAt: 1,
        lastSeenAt: 1,
        falsePositive: false,
        message: 'night flow',
        text: { key: 'rule.water.night_flow', params: { litres: 12.5 } },
        evidence: { flow: [1, 2.5], note: '夜间' },
      })
      expect((await store.alerts.active('water.night_flow|W1'))?.id).toBe(id)
      await store.alerts.update(id, {
        status: 'resolved',
        resolvedAt: 1_700_000_000_123,
        resolvedBy: '王师傅',
        falsePositive: true,
        note: 'a dripping tap',
        evidence: { after: true },
        text: { key: 'rule.water.burst' },
      })
      const resolved = (await store.alerts.get(id))!
      expect(resolved).toMatchObject({
        status: 'resolved',
        resolvedAt: 1_700_000_000_123,
        resolvedBy: '王师傅',
        falsePositive: true,
        note: 'a dripping tap',
        evidence: { after: true },
        text: { key: 'rule.water.burst', params: {} },
      })
      expect(await store.alerts.active('water.night_flow|W1')).toBeUndefined()
      expect((await store.alerts.latest('water.night_flow|W1'))?.id).toBe(id)
      // A second alert of the key: the latest is the newer one.
      const again = await store.alerts.insert(anAlert('water.night_flow', 'W1', { openedAt: 5 }))
      expect((await store.alerts.latest('water.night_flow|W1'))?.id).toBe(again)
      expect(await store.alerts.get(again + 100)).toBeUndefined()
      await expect(store.alerts.update(id, { key: 'x' } as never)).rejects.toThrow(
        'alerts: cannot update key',
      )
    })

    it('allows one active alert per key', async () => {
      await store.alerts.insert(anAlert('water.night_flow', 'W1'))
      await expect(store.alerts.insert(anAlert('water.night_flow', 'W1'))).rejects.toThrow()
      await store.alerts.insert(anAlert('water.night_flow', 'W1', { status: 'resolved' }))
      expect(await store.alerts.list()).toHaveLength(2)
    })

    it('lists and pages newest first, with filters, and a cursor that holds while alerts are added', async () => {
      const ids: number[] = []
      // Openings with ties: the id breaks them.
      for (const [i, at] of [10, 20, 20, 20, 30, 40, 40].entries())
        ids.push(
          await store.alerts.insert(
            anAlert(i % 2 ? 'water.night_flow' : 'electricity.after_hours', `M${i}`, {
              openedAt: at,
              school: i < 5 ? 'a' : 'b',
              severity: i === 3 ? 'critical' : 'warning',
              status: i === 6 ? 'resolved' : i === 5 ? 'acknowledged' : 'open',
            }),
          ),
        )
      const byNewest = [ids[6], ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]]
      expect((await store.alerts.list()).map((a) => a.id)).toEqual(byNewest)
      expect((await store.alerts.list({ limit: 2 })).map((a) => a.id)).toEqual(byNewest.slice(0, 2))
      expect((await store.alerts.list({ status: 'active' })).map((a) => a.id)).toEqual(byNewest.slice(1))
      expect((await store.alerts.list({ status: 'acknowledged' })).map((a) => a.id)).toEqual([ids[5]])
      expect((await store.alerts.list({ school: 'b' })).map((a) => a.id)).toEqual([ids[6], ids[5]])
      expect((await store.alerts.list({ rule: 'water.night_flow' })).map((a) => a.id)).toEqual([
        ids[5],
        ids[3],
        ids[1],
      ])
      expect((await store.alerts.list({ severity: 'critical' })).map((a) => a.id)).toEqual([ids[3]])
      expect((await store.alerts.list({ meter: 'M2' })).map((a) => a.id)).toEqual([ids[2]])
      expect((await store.alerts.list({ from: 20, to: 40 })).map((a) => a.id)).toEqual([
        ids[4],
        ids[3],
        ids[2],
        ids[1],
      ])
      // Pages of three: the cursor falls inside the tie at 20.
      const first = await store.alerts.page({ limit: 3 })
      expect(first.items.map((a) => a.id)).toEqual(byNewest.slice(0, 3))
      expect(first.next).toBeDefined()
      await store.alerts.insert(anAlert('water.burst', 'M9', { openedAt: 50 }))
      const second = await store.alerts.page({ limit: 3, cursor: first.next! })
      expect(second.items.map((a) => a.id)).toEqual(byNewest.slice(3, 6))
      const third = await store.alerts.page({ limit: 3, cursor: second.next! })
      expect(third).toEqual({ items: [await store.alerts.get(ids[0]!)] })
      // A cursor that is not ours starts at the top.
      expect((await store.alerts.page({ limit: 1, cursor: 'nonsense' })).items[0]!.rule).toBe('water.burst')
    })

    it('records transitions, and finds the open critical alerts to escalate', async () => {
      const a = await store.alerts.insert(anAlert('water.burst', 'W1', { severity: 'critical' }))
      const b = await store.alerts.insert(anAlert('water.burst', 'W2', { severity: 'critical' }))
      const c = await store.alerts.insert(anAlert('water.night_flow', 'W3'))
      const e1 = await store.alerts.addEvent(a, 'opened', 1, undefined, undefined, 1000)
      const e2 = await store.alerts.addEvent(a, 'acknowledged', 2, 'li', 'on my way', 1500)
      await store.alerts.addEvent(b, 'opened', 1, undefined, undefined, 3000)
      await store.alerts.addEvent(c, 'opened', 1, undefined, undefined, 1000)
      expect(e2).toBeGreaterThan(e1)
      expect(await store.alerts.events(a)).toEqual([
        { id: e1, transition: 'opened', at: 1, recordedAt: 1000 },
        { id: e2, transition: 'acknowledged', at: 2, by: 'li', note: 'on my way', recordedAt: 1500 },
      ])
      expect((await store.alerts.toEscalate(2000)).map((x) => x.id)).toEqual([a])
      await store.alerts.update(a, { escalatedAt: 2000 })
      expect((await store.alerts.toEscalate(5000)).map((x) => x.id)).toEqual([b])
      await expect(store.alerts.addEvent(9999, 'opened', 1)).rejects.toThrow()
    })
  })

  describe('incidents', () => {
    it('keeps an incident, its alerts and transitions; finds the active ones of a family near meters', async () => {
      const i1 = await store.incidents.insert(
        anIncident({ text: { key: 'rule.water.night_flow', params: { n: 1 } } }),
      )
      const i2 = await store.incidents.insert(anIncident({ meter: 'W2', openedAt: 2 }))
      const i3 = await store.incidents.insert(anIncident({ family: 'appliance', meter: 'E1', openedAt: 3 }))
      expect(await store.incidents.get(i1)).toEqual({
        id: i1,
        ...anIncident({ text: { key: 'rule.water.night_flow', params: { n: 1 } } }),
      })
      expect((await store.incidents.active('a', 'water_loss')).map((i) => i.id)).toEqual([i1, i2])
      expect((await store.incidents.active('a', 'water_loss', ['W2', 'W9'])).map((i) => i.id)).toEqual([i2])
      expect(await store.incidents.active('a', 'water_loss', [])).toEqual([])
      expect((await store.incidents.active('a', 'appliance')).map((i) => i.id)).toEqual([i3])
      await store.incidents.update(i2, {
        status: 'resolved',
        occurrences: 3,
        quietSince: 7,
        assignedTo: 'wang',
        text: undefined,
      })
      expect(await store.incidents.get(i2)).toMatchObject({
        status: 'resolved',
        occurrences: 3,
        quietSince: 7,
        assignedTo: 'wang',
      })
      expect((await store.incidents.active('a', 'water_loss')).map((i) => i.id)).toEqual([i1])
      const a1 = await store.alerts.insert(anAlert('water.night_flow', 'W1', { incident: i1 }))
      const a2 = await store.alerts.insert(
        anAlert('water.continuous_flow', 'W1', { incident: i1, status: 'resolved' }),
      )
      expect((await store.alerts.ofIncident(i1)).map((a) => a.id)).toEqual([a1, a2])
      expect(await store.alerts.membersOf(i1)).toEqual([
        { rule: 'water.night_flow', status: 'open' },
        { rule: 'water.continuous_flow', status: 'resolved' },
      ])
      expect((await store.incidents.list({ rule: 'water.continuous_flow' })).map((i) => i.id)).toEqual([i1])
      expect((await store.incidents.list({ meter: 'W1' })).map((i) => i.id)).toEqual([i1])
      expect((await store.incidents.list({ family: 'appliance' })).map((i) => i.id)).toEqual([i3])
      expect((await store.incidents.list({ status: 'active' })).map((i) => i.id)).toEqual([i3, i1])
      const e = await store.incidents.addEvent({
        incident: i1,
        transition: 'opened',
        at: 1,
        alert: a1,
        recordedAt: 100,
      })
      const f = await store.incidents.addEvent({
        incident: i1,
        transition: 'assigned',
        at: 2,
        by: 'zhao',
        note: '去看看',
        recordedAt: 200,
      })
      expect(await store.incidents.events(i1)).toEqual([
        { id: e, incident: i1, transition: 'opened', at: 1, alert: a1, recordedAt: 100 },
        { id: f, incident: i1, transition: 'assigned', at: 2, by: 'zhao', note: '去看看', recordedAt: 200 },
      ])
      await expect(store.incidents.update(i1, { school: 'x' } as never)).rejects.toThrow(
        'incidents: cannot update school',
      )
    })

    it('pages newest first; escalates the unacknowledged critical ones; finds the quiet ones', async () => {
      const ids: number[] = []
      for (let n = 0; n < 5; n++)
        ids.push(
          await store.incidents.insert(
            anIncident({
              meter: `W${n}`,
              openedAt: 10 * Math.ceil(n / 2),
              severity: n === 1 ? 'critical' : 'warning',
            }),
          ),
        )
      const first = await store.incidents.page({ limit: 2 })
      const second = await store.incidents.page({ limit: 2, cursor: first.next! })
      const third = await store.incidents.page({ limit: 2, cursor: second.next! })
      expect([...first.items, ...second.items, ...third.items].map((i) => i.id)).toEqual([
        ids[4],
        ids[3],
        ids[2],
        ids[1],
        ids[0],
      ])
      expect(third.next).toBeUndefined()
      await store.incidents.addEvent({ incident: ids[1]!, transition: 'opened', at: 10, recordedAt: 500 })
      expect((await store.incidents.toEscalate(499)).map((i) => i.id)).toEqual([])
      expect((await store.incidents.toEscalate(500)).map((i) => i.id)).toEqual([ids[1]])
      await store.incidents.update(ids[2]!, { quietSince: 100 })
      await store.incidents.update(ids[3]!, { quietSince: 300 })
      expect((await store.incidents.quiet('a', 200)).map((i) => i.id)).toEqual([ids[2]])
      expect(await store.incidents.quiet('b', 200)).toEqual([])
    })

    it("escalates a sharded worker's own schools' incidents only", async () => {
      const ids: number[] = []
      for (const school of ['a', 'b', 'c']) {
        const id = await store.incidents.insert(anIncident({ school, severity: 'critical' }))
        await store.incidents.addEvent({ incident: id, transition: 'opened', at: 10, recordedAt: 100 })
        ids.push(id)
      }
      expect((await store.incidents.toEscalate(100)).map((i) => i.id)).toEqual(ids)
      expect((await store.incidents.toEscalate(100, ['c', 'a'])).map((i) => i.id)).toEqual([ids[0], ids[2]])
      expect(await store.incidents.toEscalate(100, ['z'])).toEqual([])
      expect(await store.incidents.toEscalate(100, [])).toEqual([])
    })
  })

  describe('outbox', () => {
    it('queues each notification once, by lane and urgency, and records how it went', async () => {
      const a = await store.alerts.insert(anAlert('water.burst', 'W1'))
      const ev = await store.alerts.addEvent(a, 'opened', 1)
      const i = await store.incidents.insert(anIncident())
      const iev = await store.incidents.addEvent({ incident: i, transition: 'opened', at: 1, recordedAt: 1 })
      await store.outbox.enqueue(ev, delivery({ channel: 'mqtt', target: 'schools/a/alerts' }), 5)
      // The same transition told twice to one target is one row.
      await store.outbox.enqueue(
        ev,
        delivery({ channel: 'mqtt', target: 'schools/a/alerts', payload: 'x' }),
        5,
      )
      await store.outbox.enqueueIncident(iev, delivery({ priority: 0, dueAt: 8 }), 6)
      await store.outbox.enqueueIncident(
        iev,
        delivery({ target: 'https://b.example', priority: 2, dueAt: 8 }),
        6,
      )
      await store.outbox.enqueueIncident(iev, delivery({ priority: 2 }), 6)
      await store.outbox.enqueueMessage(
        'readiness|a|2030-09-01',
        'email',
        'z@school.example',
        '{"m":1}',
        30,
        7,
      )
      await store.outbox.enqueueMessage(
        'readiness|a|2030-09-01',
        'email',
        'z@school.example',
        '{"m":2}',
        30,
        7,
      )
      await store.outbox.enqueueMessage(
        'readiness|a|2030-09-01',
        'email',
        'A@school.example',
        '{"m":3}',
        30,
        7,
      )
      expect(await store.outbox.pending()).toBe(5)
      expect(await store.outbox.nextDue()).toBe(8)
      expect(await store.outbox.lanesDue(9)).toEqual([
        { channel: 'webhook', target: 'https://b.example' },
        { channel: 'webhook', target: 'https://ops.example/hook' },
      ])
      expect(await store.outbox.lanesDue(100)).toEqual([
        { channel: 'email', target: 'A@school.example' },
        { channel: 'email', target: 'z@school.example' },
        { channel: 'mqtt', target: 'schools/a/alerts' },
        { channel: 'webhook', target: 'https://b.example' },
        { channel: 'webhook', target: 'https://ops.example/hook' },
      ])
      const due = await store.outbox.dueIn('webhook', 'https://ops.example/hook', 100)
      expect(due).toEqual([
        {
          id: due[0]!.id,
          eventId: null,
          incidentEventId: iev,
          channel: 'webhook',
          target: 'https://ops.example/hook',
          payload: '{}',
          createdAt: 6,
          dueAt: 8,
          attempts: 0,
          priority: 0,
          incident: i,
          transition: 'opened',
        },
      ])
      const [mqtt] = await store.outbox.dueIn('mqtt', 'schools/a/alerts', 100, 1)
      expect(mqtt).toMatchObject({ eventId: ev, incidentEventId: null, payload: '{}', priority: 1 })
      expect(mqtt).not.toHaveProperty('incident')
      expect(await store.outbox.announced(i, 'webhook', 'https://ops.example/hook', ['opened'])).toBe(true)
      expect(await store.outbox.announced(i, 'webhook', 'https://ops.example/hook', ['resolved'])).toBe(false)
      expect(await store.outbox.announced(i, 'webhook', 'https://ops.example/hook', [])).toBe(false)
      const hook = due[0]!.id
      await store.outbox.retry(hook, 50, `timeout ${'x'.repeat(600)}`)
      await store.outbox.postpone(mqtt!.id, 60)
      expect(await store.outbox.nextDue()).toBe(8)
      const [b] = await store.outbox.dueIn('webhook', 'https://b.example', 100)
      await store.outbox.sent(b!.id, 70, 'skipped')
      expect(await store.outbox.announced(i, 'webhook', 'https://b.example', ['opened'])).toBe(false)
      await store.outbox.sent(hook, 80, 'digest')
      const [mail] = await store.outbox.dueIn('email', 'z@school.example', 100)
      await store.outbox.failed(mail!.id, 90, 'mailbox full')
      expect(await store.outbox.pending()).toBe(2)
      const all = await store.outbox.all()
      expect(all.map((r) => r.id)).toEqual([...all.map((r) => r.id)].sort((x, y) => x - y))
      expect(all.find((r) => r.id === hook)).toMatchObject({
        attempts: 2,
        dueAt: 50,
        sentAt: 80,
        outcome: 'digest',
      })
      expect(all.find((r) => r.id === hook)).not.toHaveProperty('lastError')
      expect(all.find((r) => r.id === b!.id)).toMatchObject({ attempts: 0, outcome: 'skipped', sentAt: 70 })
      expect(all.find((r) => r.id === mail!.id)).toMatchObject({
        attempts: 1,
        failedAt: 90,
        lastError: 'mailbox full',
      })
      await store.outbox.retry(mqtt!.id, 65, 'é'.repeat(700))
      expect((await store.outbox.all()).find((r) => r.id === mqtt!.id)?.lastError).toBe('é'.repeat(500))
      const told = await store.outbox.ofIncident(i)
      expect(told.map((r) => [r.id, r.transition, r.at, r.sentAt, r.outcome])).toEqual([
        [b!.id, 'opened', 1, 70, 'skipped'],
        [hook, 'opened', 1, 80, 'digest'],
      ])
      expect(told[0]).not.toHaveProperty('lastError')
    })

    it("keeps the school each row is about, and answers a sharded worker for its own schools' rows", async () => {
      const alertAt = async (school: string) =>
        store.alerts.addEvent(
          await store.alerts.insert(anAlert('water.burst', `W-${school}`, { school })),
          'opened',
          1,
        )
      const incidentAt = async (school: string) =>
        store.incidents.addEvent({
          incident: await store.incidents.insert(anIncident({ school })),
          transition: 'opened',
          at: 1,
          recordedAt: 1,
        })
      const hook = { channel: 'webhook', target: 'https://district.example/hook' }
      // One target for schools of different shards (a district-wide robot), and a queue of one school.
      await store.outbox.enqueueIncident(await incidentAt('a'), delivery({ ...hook, dueAt: 10 }), 1)
      await store.outbox.enqueueIncident(await incidentAt('b'), delivery({ ...hook, dueAt: 20 }), 1)
      await store.outbox.enqueue(
        await alertAt('b'),
        delivery({ channel: 'mqtt', target: 'schools/b/alerts' }),
        1,
      )
      await store.outbox.enqueueMessage(
        'readiness|c|2030-09-01',
        'email',
        'c@school.example',
        '{}',
        30,
        1,
        'c',
      )
      const ofSchools = async (schools: string[]) => ({
        lanes: await store.outbox.lanesDue(100, schools),
        due: (await store.outbox.dueIn(hook.channel, hook.target, 100, 10, schools)).map((r) => r.dueAt),
        next: await store.outbox.nextDue(schools),
        pending: await store.outbox.pending(schools),
      })
      expect(await ofSchools(['a'])).toEqual({ lanes: [hook], due: [10], next: 10, pending: 1 })
      expect(await ofSchools(['b'])).toEqual({
        lanes: [{ channel: 'mqtt', target: 'schools/b/alerts' }, hook],
        due: [20],
        next: 10,
        pending: 2,
      })
      expect(await ofSchools(['c', 'z'])).toEqual({
        lanes: [{ channel: 'email', target: 'c@school.example' }],
        due: [],
        next: 30,
        pending: 1,
      })
      expect(await ofSchools([])).toEqual({ lanes: [], due: [], next: undefined, pending: 0 })
      // Without schools: every row, as an unsharded worker sends them.
      expect(await store.outbox.pending()).toBe(4)
      expect((await store.outbox.dueIn(hook.channel, hook.target, 100)).map((r) => r.dueAt)).toEqual([10, 20])
      expect(await store.outbox.lanesDue(100)).toHaveLength(3)
    })
  })

  describe('people and sessions', () => {
    it('keeps a login with its role and schools; the password only as a hash', async () => {
      const u = await store.users.add({
        username: 'wang',
        name: '王师傅',
        role: 'maintenance',
        schools: ['a'],
        hash: hashSecret('leak-fixer-2030'),
      })
      expect(u).toMatchObject({ username: 'wang', name: '王师傅', role: 'maintenance', schools: ['a'] })
      expect(JSON.stringify(await open.rows('users'))).not.toContain('leak-fixer-2030')
      expect(await verifySecret('leak-fixer-2030', (await store.users.byUsername('WANG'))!.hash)).toBe(true)
      expect(await failure(store.users.add({ username: 'Wang', role: 'viewer', hash: 'x' }))).toEqual({
        name: 'UserError',
        code: 'USER_NAME_TAKEN',
        message: 'there is already a login Wang',
      })
      expect(
        await failure(store.users.add({ username: 'bad name', role: 'viewer', hash: 'x' })),
      ).toMatchObject({
        code: 'USER_BAD_NAME',
      })
      expect(await failure(store.users.add({ username: 'ok', role: 'boss', hash: 'x' }))).toMatchObject({
        name: 'TokenError',
        code: 'TOKEN_BAD_ROLE',
      })
      expect((await store.users.update('wang', { schools: null })).schools).toBeUndefined()
      expect(await store.users.hasActive()).toBe(true)
    })

    it('compares login names without the case of ASCII letters only, as SQLite does', async () => {
      await store.users.add({ username: 'Ärger', role: 'viewer', hash: 'x' })
      expect((await store.users.byUsername('ÄRGER'))?.username).toBe('Ärger')
      expect(await store.users.byUsername('ärger')).toBeUndefined()
      await store.users.add({ username: 'ärger', role: 'viewer', hash: 'x' })
      expect((await store.users.list()).map((u) => u.username)).toEqual(['Ärger', 'ärger'])
      expect(await failure(store.users.add({ username: 'äRGER', role: 'viewer', hash: 'x' }))).toMatchObject({
        code: 'USER_NAME_TAKEN',
      })
    })

    it('updates, disables and enables people, saying what to do when there is no such person', async () => {
      const li = await store.users.add({ username: 'li', role: 'viewer', hash: 'x' }, 1000)
      await store.users.add({ username: 'zhao', role: 'admin', hash: 'y' }, 2000)
      expect(await failure(store.users.resolve('nobody'))).toMatchObject({
        name: 'UserError',
        code: 'USER_NOT_FOUND',
      })
      expect(await failure(store.users.update('nobody', { name: 'x' }))).toMatchObject({
        code: 'USER_NOT_FOUND',
      })
      expect(await failure(store.users.update('li', { name: ' ' }))).toMatchObject({ code: 'USER_BAD_NAME' })
      const changed = await store.users.update('LI', { name: '李老师', role: 'maintenance', hash: 'z' })
      expect(changed).toMatchObject({
        id: li.id,
        name: '李老师',
        role: 'maintenance',
        hash: 'z',
        createdAt: 1000,
      })
      await store.users.loggedIn(li.id, 5000)
      expect((await store.users.get(li.id))?.lastLoginAt).toBe(5000)
      await store.sessions.open(li.id, LIFE, 6000)
      const off = await store.users.disable('li', 7000)
      expect(off.disabledAt).toBe(7000)
      expect(await store.sessions.count(li.id)).toBe(0)
      expect(await failure(store.users.disable('li'))).toMatchObject({ code: 'USER_DISABLED' })
      expect((await store.users.list()).map((u) => u.username)).toEqual(['zhao'])
      expect((await store.users.list(true)).map((u) => u.username)).toEqual(['li', 'zhao'])
      expect((await store.users.list(true))[0]).not.toHaveProperty('hash')
      expect((await store.users.enable('li')).disabledAt).toBeUndefined()
      await store.users.disable('li')
      await store.users.disable('zhao')
      expect(await store.users.hasActive()).toBe(false)
    })

    it('a session is found by its token (stored as its SHA-256), lives while used, and ends', async () => {
      const u = await store.users.add({ username: 'li', role: 'viewer', hash: 'x' })
      const { token, session } = await store.sessions.open(u.id, LIFE, 0)
      expect(session.id).toBe(sessionId(token))
      expect(JSON.stringify(await open.rows('sessions'))).not.toContain(token)
      expect((await store.sessions.find(token, LIFE, 9 * MIN))?.user.username).toBe('li')
      // Unused past its idle time: gone.
      expect(await store.sessions.find(token, LIFE, 20 * MIN)).toBeUndefined()
      const start = 100 * MIN
      const again = await store.sessions.open(u.id, LIFE, start)
      // Used every 9 minutes: extended, but never past its maximum.
      for (let t = start; t < start + 59 * MIN; t += 9 * MIN)
        expect(await store.sessions.find(again.token, LIFE, t)).toBeDefined()
      expect(await store.sessions.find(again.token, LIFE, start + 60 * MIN)).toBeUndefined()
      const third = await store.sessions.open(u.id, LIFE, 300 * MIN)
      await store.users.disable('li', 300 * MIN + 1)
      expect(await store.sessions.find(third.token, LIFE, 300 * MIN + 2)).toBeUndefined()
      expect(await store.sessions.count(u.id)).toBe(0)
    })

    it('ends sessions one at a time or all of a person, and opening one sweeps the expired', async () => {
      const u = await store.users.add({ username: 'li', role: 'viewer', hash: 'x' })
      const v = await store.users.add({ username: 'wu', role: 'viewer', hash: 'x' })
      const s1 = await store.sessions.open(u.id, LIFE, 0)
      await store.sessions.open(u.id, LIFE, 0)
      await store.sessions.open(v.id, LIFE, 0)
      expect(await store.sessions.count()).toBe(3)
      await store.sessions.close(s1.token)
      expect(await store.sessions.find(s1.token, LIFE, 1)).toBeUndefined()
      expect(await store.sessions.closeAll(u.id)).toBe(1)
      expect(await store.sessions.count()).toBe(1)
      await store.sessions.open(u.id, LIFE, 11 * MIN)
      expect(await store.sessions.count(v.id)).toBe(0)
      expect(await store.sessions.count()).toBe(1)
    })
  })

  describe('API tokens and the audit log', () => {
    it('makes, finds, rotates and revokes tokens, with the same errors and sentences', async () => {
      const ops = await store.apiTokens.add('ops', 'admin', 1000)
      expect(ops.token).toMatch(/^smt_[0-9a-f]{12}_/)
      expect(ops.row).toMatchObject({ name: 'ops', role: 'admin', createdAt: 1000 })
      expect(JSON.stringify(await open.rows('api_tokens'))).not.toContain(ops.token)
      expect(await failure(store.apiTokens.add(' ops ', 'viewer'))).toEqual({
        name: 'TokenError',
        code: 'TOKEN_NAME_TAKEN',
        message: 'an active token is already named "ops"; choose another name, or rotate that token',
      })
      expect(await failure(store.apiTokens.add('anonymous', 'viewer'))).toMatchObject({
        code: 'TOKEN_BAD_NAME',
      })
      expect(await failure(store.apiTokens.add('x', 'boss'))).toMatchObject({ code: 'TOKEN_BAD_ROLE' })
      const view = await store.apiTokens.add('grafana', 'viewer', 1000)
      expect((await store.apiTokens.find('grafana'))?.id).toBe(view.row.id)
      expect((await store.apiTokens.find(ops.row.id))?.name).toBe('ops')
      const missing = await failure(store.apiTokens.resolve('nobody'))
      expect(missing).toMatchObject({ name: 'TokenError', code: 'TOKEN_NOT_FOUND' })
      expect((await store.apiTokens.list()).map((t) => t.id)).toEqual([ops.row.id, view.row.id].sort())
      const rotated = await store.apiTokens.rotate('grafana')
      expect(rotated.row.id).toBe(view.row.id)
      expect(rotated.row.hash).not.toBe(view.row.hash)
      expect(await verifySecret(rotated.token, rotated.row.hash)).toBe(true)
      expect(await store.apiTokens.activeCount()).toBe(2)
      expect(await store.apiTokens.activeCount('admin')).toBe(1)
      const gone = await store.apiTokens.revoke('ops', 2000)
      expect(gone.revokedAt).toBe(2000)
      const again = await failure(store.apiTokens.revoke(ops.row.id))
      expect(again).toMatchObject({ name: 'TokenError', code: 'TOKEN_REVOKED' })
      expect(await failure(store.apiTokens.rotate(ops.row.id))).toEqual(again)
      expect((await failure(store.apiTokens.resolve('ops'))).code).toBe('TOKEN_NOT_FOUND')
      expect((await store.apiTokens.list()).map((t) => t.name)).toEqual(['grafana'])
      expect((await store.apiTokens.list(true)).map((t) => t.name).sort()).toEqual(['grafana', 'ops'])
      await store.apiTokens.touch(view.row.id, 3000)
      expect((await store.apiTokens.get(view.row.id))?.lastUsedAt).toBe(3000)
      // The name of a revoked token may be used again.
      await store.apiTokens.add('ops', 'admin', 4000)
      expect(await store.apiTokens.hasActive()).toBe(true)
      for (const t of await store.apiTokens.list()) await store.apiTokens.revoke(t.id)
      expect(await store.apiTokens.hasActive()).toBe(false)
      expect(await store.apiTokens.activeCount()).toBe(0)
    })

    it('an error keeps its HTTP status and speaks the reader’s language', async () => {
      const err = await store.apiTokens.resolve('nobody').catch((e: TokenError) => e)
      expect(err).toBeInstanceOf(TokenError)
      expect((err as TokenError).status).toBe(404)
      expect((err as TokenError).text('zh-CN')).toMatch(/nobody/)
      const taken = await store.users
        .add({ username: 'li', role: 'viewer', hash: 'x' })
        .then(() => store.users.add({ username: 'LI', role: 'viewer', hash: 'x' }).catch((e: UserError) => e))
      expect(taken).toBeInstanceOf(UserError)
      expect((taken as UserError).text('zh-CN')).not.toBe((taken as UserError).text('en'))
    })

    it('records what was done, newest first, filtered by who, what and on what', async () => {
      const a = await store.audit.record({ actor: 'ops', action: 'token.create', target: 'token:1' }, 10)
      const b = await store.audit.record(
        { actor: 'cli:root', action: 'alert.resolve', target: 'alert:7', detail: { note: '修好了', n: 1 } },
        20,
      )
      const c = await store.audit.record({ actor: 'ops', action: 'alert.resolve' }, 30)
      expect(await store.audit.list()).toEqual([
        { id: c, at: 30, actor: 'ops', action: 'alert.resolve' },
        {
          id: b,
          at: 20,
          actor: 'cli:root',
          action: 'alert.resolve',
          target: 'alert:7',
          detail: { note: '修好了', n: 1 },
        },
        { id: a, at: 10, actor: 'ops', action: 'token.create', target: 'token:1' },
      ])
      expect((await store.audit.list({ actor: 'ops' })).map((e) => e.id)).toEqual([c, a])
      expect(
        (await store.audit.list({ action: 'alert.resolve', target: 'alert:7' })).map((e) => e.id),
      ).toEqual([b])
      expect((await store.audit.list({ limit: 1 })).map((e) => e.id)).toEqual([c])
    })
  })

  describe('reports, registry and anomalies', () => {
    it('keeps the first readiness report of a school and term, and baseline models replaced whole', async () => {
      const report = { school: 'a', items: [{ meter: 'W1', ok: false, why: '无数据' }], score: 0.5 }
      expect(await store.readiness.save('a', '2030-09-01', report, 5)).toBe(true)
      expect(await store.readiness.save('a', '2030-09-01', { other: true }, 6)).toBe(false)
      expect(await store.readiness.get('a', '2030-09-01')).toEqual(report)
      expect(await store.readiness.get('a', '2031-02-20')).toBeUndefined()
      expect(await store.baselines.get('a', 'water')).toBeUndefined()
      const kept = {
        from: '2029-09-01',
        to: '2030-06-30',
        fingerprint: 'f1',
        fittedAt: 77,
        model: { slope: 1.25 },
      }
      await store.baselines.put('a', 'water', kept)
      expect(await store.baselines.get('a', 'water')).toEqual(kept)
      await store.baselines.put('a', 'water', { ...kept, fingerprint: 'f2', model: { slope: 2 } })
      expect(await store.baselines.get('a', 'water')).toEqual({
        ...kept,
        fingerprint: 'f2',
        model: { slope: 2 },
      })
      expect(await store.baselines.get('a', 'heat')).toBeUndefined()
    })

    it('mirrors the registry and replaces it on the next sync', async () => {
      await store.registry.sync(testRegistry())
      expect(await store.registry.counts()).toEqual({ schools: 2, buildings: 2, spaces: 1, meters: 7 })
      const w2 = (await open.rows('meters')).find((m) => m.id === 'W2')
      expect(w2).toMatchObject({ kind: 'water', parent_id: 'W1', space_id: null })
      await store.registry.sync(
        testRegistry(`
schools:
  - id: only
    name: Only
    buildings: [{ id: b, use: office, meters: [{ id: X, kind: heat }] }]
`),
      )
      expect(await store.registry.counts()).toEqual({ schools: 1, buildings: 1, spaces: 0, meters: 1 })
    })

    it('records register anomalies, newest first', async () => {
      const row = {
        meterId: 'W1',
        ts: 1,
        type: 'reset',
        previous: 5000.5,
        current: 3,
        counted: 3000,
        recordedAt: 9,
      }
      const first = await store.anomalies.insert(row)
      await store.anomalies.insert({ ...row, ts: 2, type: 'rollover', previous: 99990, current: 12.25 })
      await store.anomalies.insert({ ...row, meterId: 'E1', ts: 3 })
      expect((await store.anomalies.list('W1')).map((a) => a.type)).toEqual(['rollover', 'reset'])
      expect(await store.anomalies.list()).toHaveLength(3)
      expect(await store.anomalies.list('W1', 1)).toEqual([
        {
          id: first + 1,
          meterId: 'W1',
          ts: 2,
          type: 'rollover',
          previous: 99990,
          current: 12.25,
          counted: 3000,
          recordedAt: 9,
        },
      ])
    })
  })

  describe('transactions', () => {
    it('a transaction that fails leaves nothing behind, and the store goes on', async () => {
      const failed = store.atomically(async (tx) => {
        const id = await tx.alerts.insert(anAlert('water.night_flow', 'W1'))
        const ev = await tx.alerts.addEvent(id, 'opened', 1)
        await tx.outbox.enqueue(ev, delivery())
        await tx.audit.record({ actor: 'rule', action: 'alert.open' })
        // Inside, the transaction reads what it wrote.
        expect((await tx.alerts.active('water.night_flow|W1'))?.id).toBe(id)
        expect(await tx.outbox.pending()).toBe(1)
        throw new Error('the outbox refused')
      })
      await expect(failed).rejects.toThrow('the outbox refused')
      expect(await store.alerts.list()).toEqual([])
      expect(await store.outbox.all()).toEqual([])
      expect(await store.audit.list()).toEqual([])
      const id = await store.atomically(async (tx) => {
        const a = await tx.alerts.insert(anAlert('water.night_flow', 'W1'))
        await tx.alerts.addEvent(a, 'opened', 1)
        return a
      })
      expect((await store.alerts.list()).map((a) => a.id)).toEqual([id])
      expect(await store.alerts.events(id)).toHaveLength(1)
    })

    it('a failed statement inside undoes the whole transaction; a repository’s own checks join it', async () => {
      await store.alerts.insert(anAlert('water.night_flow', 'W1'))
      await expect(
        store.atomically(async (tx) => {
          await tx.users.add({ username: 'li', role: 'viewer', hash: 'x' })
          await tx.apiTokens.add('ops', 'admin')
          // The second active alert of a key breaks the unique index.
          await tx.alerts.insert(anAlert('water.night_flow', 'W1'))
        }),
      ).rejects.toThrow()
      expect(await store.users.list(true)).toEqual([])
      expect(await store.apiTokens.list(true)).toEqual([])
      expect(await store.alerts.list()).toHaveLength(1)
    })

    it('tx.atomically joins the transaction under way: its failure undoes the outer work too', async () => {
      await expect(
        store.atomically(async (tx) => {
          await tx.alerts.insert(anAlert('water.night_flow', 'W1'))
          await tx.atomically(async (inner) => {
            expect(await inner.alerts.list()).toHaveLength(1)
            await inner.alerts.insert(anAlert('water.burst', 'W1'))
            throw new Error('inner')
          })
        }),
      ).rejects.toThrow('inner')
      expect(await store.alerts.list()).toEqual([])
      const n = await store.atomically(async (tx) => {
        await tx.atomically((inner) => inner.alerts.insert(anAlert('water.burst', 'W1')))
        return (await tx.alerts.list()).length
      })
      expect(n).toBe(1)
    })

    it('concurrent transactions do not interleave: each reads what the one before it wrote', async () => {
      const id = await store.incidents.insert(anIncident())
      // Forty read-modify-writes at once, each yielding between its read and its write.
      await Promise.all(
        Array.from({ length: 40 }, (_, n) =>
          store.atomically(async (tx) => {
            const before = (await tx.incidents.get(id))!
            await tx.incidents.addEvent({ incident: id, transition: 'occurred', at: n, recordedAt: n })
            await tx.incidents.update(id, { occurrences: before.occurrences + 1, lastSeenAt: n })
          }),
        ),
      )
      expect((await store.incidents.get(id))!.occurrences).toBe(41)
      expect(await store.incidents.events(id)).toHaveLength(40)
    })

    it('revokes at once cannot all pass a check that one admin token remains', async () => {
      const names = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6']
      for (const name of names) await store.apiTokens.add(name, 'admin')
      const revokeUnlessLast = (name: string) =>
        store.atomically(async (tx) => {
          if ((await tx.apiTokens.activeCount('admin')) === 1) return 'kept'
          await tx.apiTokens.revoke(name)
          return 'revoked'
        })
      const outcomes = await Promise.all(names.map(revokeUnlessLast))
      expect(outcomes.filter((o) => o === 'kept')).toHaveLength(1)
      expect(await store.apiTokens.activeCount('admin')).toBe(1)
    })
  })
})
