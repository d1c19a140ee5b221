/** People's logins and their sessions in SQLite: hashes only, case-blind names, sessions that end. */
import { describe, expect, it } from 'vitest'
import { hashSecret, verifySecret } from '../../core/secrets.js'
import { openStore } from '../../store/index.js'
import { sessionId } from '../../store/users.js'

const MIN = 60_000
const LIFE = { idleMs: 10 * MIN, maxMs: 60 * MIN }

describe('users and sessions', () => {
  it('keeps a login with its role and schools; the password only as a hash', async () => {
    const store = openStore(':memory:')
    const u = await store.users.add({
      username: 'wang',
      name: '王师傅',
      role: 'maintenance',
      schools: ['a'],
      hash: hashSecret('leak-fixer-2030'),
    })
    expect(u).toMatchObject({ username: 'wang', name: '王师傅', role: 'maintenance', schools: ['a'] })
    const raw = JSON.stringify(store.db.prepare('SELECT * FROM users').all())
    expect(raw).not.toContain('leak-fixer-2030')
    expect(await verifySecret('leak-fixer-2030', (await store.users.byUsername('WANG'))!.hash)).toBe(true)
    await expect(store.users.add({ username: 'Wang', role: 'viewer', hash: 'x' })).rejects.toThrow(
      /already a login/,
    )
    await expect(store.users.add({ username: 'bad name', role: 'viewer', hash: 'x' })).rejects.toThrow(
      /not usable/,
    )
    await expect(store.users.add({ username: 'ok', role: 'boss', hash: 'x' })).rejects.toThrow()
    expect((await store.users.update('wang', { schools: null })).schools).toBeUndefined()
    expect(await store.users.hasActive()).toBe(true)
  })

  it('a session is found by its token (stored as its SHA-256), lives while used, and ends', async () => {
    const store = openStore(':memory:')
    const u = await store.users.add({ username: 'li', role: 'viewer', hash: 'x' })
    const { token, session } = await store.sessions.open(u.id, LIFE, 0)
    expect(session.id).toBe(sessionId(token))
    expect(JSON.stringify(store.db.prepare('SELECT * FROM sessions').all())).not.toContain(token)
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
})
