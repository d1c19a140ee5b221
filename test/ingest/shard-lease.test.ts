/**
 * The shard's lease keeper: renews every third of the period; loses the shard — once, before the
 * lease would lapse — when the database does not answer in time or another owner holds it; a
 * standby leaves a shard nobody has taken to its primary for one period, and takes a lapsed one at
 * once. Timing on fake timers over a lease table in memory; then with a real PostgreSQL, a standby
 * taking over from an owner that stops.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { ShardLease } from '../../ingest/shard/index.js'
import { type Lease, type LeaseHolder, type LeaseStore, PostgresLeases } from '../../store/index.js'
import { testLog } from '../helpers/log.js'
import { type Postgres, startPostgres } from '../helpers/postgres.js'

/** A lease table in memory on the fake clock; `down` makes every call fail as an unreachable database would. */
class MemoryLeases implements LeaseStore {
  rows = new Map<string, Lease>()
  down = false
  calls: string[] = []
  private check(call: string) {
    this.calls.push(call)
    if (this.down) throw new Error('connection refused')
  }
  async take(shard: string, owner: string, ttlMs: number) {
    this.check('take')
    const row = this.rows.get(shard)
    if (row && row.expiresAt.getTime() > Date.now() && row.owner !== owner) return undefined
    const lease = {
      shard,
      owner,
      expiresAt: new Date(Date.now() + ttlMs),
      generation: (row?.generation ?? 0) + 1,
    }
    this.rows.set(shard, lease)
    return { ...lease }
  }
  async renew(held: Lease, ttlMs: number) {
    this.check('renew')
    const row = this.rows.get(held.shard)
    if (
      !row ||
      row.owner !== held.owner ||
      row.generation !== held.generation ||
      row.expiresAt.getTime() <= Date.now()
    )
      return undefined
    row.expiresAt = new Date(Date.now() + ttlMs)
    return { ...row }
  }
  async release(held: Lease) {
    this.check('release')
    const row = this.rows.get(held.shard)
    if (row && row.owner === held.owner && row.generation === held.generation)
      row.expiresAt = new Date(Date.now())
  }
  async holder(shard: string): Promise<LeaseHolder | undefined> {
    this.check('holder')
    const row = this.rows.get(shard)
    return row ? { ...row, live: row.expiresAt.getTime() > Date.now() } : undefined
  }
  async close() {}
}

const TTL = 15_000

describe('the lease keeper', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  function keeper(
    leases: LeaseStore,
    owner: string,
    extra: Partial<ConstructorParameters<typeof ShardLease>[0]> = {},
  ) {
    const lost: string[] = []
    const lease = new ShardLease({
      leases,
      shard: '1/3',
      owner,
      ttlMs: TTL,
      log: testLog,
      onLost: (reason) => lost.push(reason),
      ...extra,
    })
    return { lease, lost }
  }

  it('renews every third of the period and keeps the shard while the database answers', async () => {
    vi.useFakeTimers()
    const leases = new MemoryLeases()
    const { lease, lost } = keeper(leases, 'a')
    await lease.acquire()
    lease.start()
    await vi.advanceTimersByTimeAsync(10 * TTL)
    expect(leases.calls.filter((c) => c === 'renew')).toHaveLength(30)
    expect(lost).toEqual([])
    expect(lease.held?.owner).toBe('a')
    await lease.stop()
    expect(leases.calls.at(-1)).toBe('release')
    expect((await leases.holder('1/3'))?.live).toBe(false)
  })

  it('gives the shard up before the lease would lapse when the database stops answering', async () => {
    vi.useFakeTimers()
    const leases = new MemoryLeases()
    const { lease, lost } = keeper(leases, 'a')
    await lease.acquire()
    lease.start()
    await vi.advanceTimersByTimeAsync(TTL / 3 + 1)
    // Renewed at TTL/3: the lease lasts until 4/3 TTL on the database's clock.
    leases.down = true
    await vi.advanceTimersByTimeAsync(TTL - 2000 - 2)
    expect(lost).toEqual([])
    await vi.advanceTimersByTimeAsync(4)
    expect(lost).toEqual(['expired'])
    expect(Date.now()).toBeLessThan(leases.rows.get('1/3')!.expiresAt.getTime())
    expect(lease.held).toBeUndefined()
    // Once only, and nothing more is tried.
    const calls = leases.calls.length
    await vi.advanceTimersByTimeAsync(5 * TTL)
    expect(lost).toEqual(['expired'])
    expect(leases.calls.length).toBe(calls)
  })

  it('gives the shard up at once when another owner holds the lease', async () => {
    vi.useFakeTimers()
    const leases = new MemoryLeases()
    const { lease, lost } = keeper(leases, 'a')
    await lease.acquire()
    lease.start()
    leases.rows.get('1/3')!.generation++ // replaced behind its back
    await vi.advanceTimersByTimeAsync(TTL / 3 + 1)
    expect(lost).toEqual(['taken'])
  })

  it('as a standby, leaves a shard nobody took to its primary for one period', async () => {
    vi.useFakeTimers()
    const leases = new MemoryLeases()
    const { lease: standby } = keeper(leases, 'standby', { standby: true })
    let took = false
    void standby.acquire().then(() => {
      took = true
    })
    await vi.advanceTimersByTimeAsync(TTL / 2)
    const { lease: primary } = keeper(leases, 'primary')
    await primary.acquire()
    primary.start()
    await vi.advanceTimersByTimeAsync(5 * TTL)
    expect(took).toBe(false)
    expect(leases.rows.get('1/3')?.owner).toBe('primary')
    // The primary dies: its renewals stop; the standby takes the shard once the lease lapses.
    const died = Date.now()
    await primary.stop()
    leases.rows.get('1/3')!.expiresAt = new Date(died + TTL) // as if it had died without releasing
    await vi.advanceTimersByTimeAsync(TTL + 1000)
    expect(took).toBe(true)
    expect(leases.rows.get('1/3')).toMatchObject({ owner: 'standby' })
    await standby.stop()
  })

  it('as a standby, takes a lapsed shard at once, and waits through a database outage', async () => {
    vi.useFakeTimers()
    const leases = new MemoryLeases()
    leases.rows.set('1/3', {
      shard: '1/3',
      owner: 'dead',
      expiresAt: new Date(Date.now() - 1),
      generation: 4,
    })
    leases.down = true
    const { lease } = keeper(leases, 'standby', { standby: true })
    let took = false
    void lease.acquire().then(() => {
      took = true
    })
    await vi.advanceTimersByTimeAsync(3 * TTL)
    expect(took).toBe(false)
    leases.down = false
    await vi.advanceTimersByTimeAsync(1000)
    expect(took).toBe(true)
    expect(leases.rows.get('1/3')).toMatchObject({ owner: 'standby', generation: 5 })
    await lease.stop()
  })
})

describe('a standby and an owner on a real PostgreSQL', () => {
  let db: Postgres
  let leases: PostgresLeases
  beforeAll(async () => {
    db = await startPostgres()
    leases = await PostgresLeases.open(db.url)
  })
  afterAll(async () => {
    await leases?.close()
    await db?.stop()
  })

  it('the standby waits while the owner holds the shard and takes it when the owner lets go', async () => {
    const owner = new ShardLease({
      leases,
      shard: '2/2',
      owner: 'owner',
      ttlMs: 60_000,
      log: testLog,
      onLost: () => {},
    })
    await owner.acquire()
    owner.start()
    const holders: (string | undefined)[] = []
    const standby = new ShardLease({
      leases,
      shard: '2/2',
      owner: 'standby',
      ttlMs: 60_000,
      log: testLog,
      standby: true,
      onLost: () => {},
      onWaiting: (h) => holders.push(h?.owner),
    })
    const taken = standby.acquire()
    await vi.waitFor(() => expect(holders).toContain('owner'), { timeout: 10_000 })
    await owner.stop()
    const lease = await taken
    expect(lease).toMatchObject({ owner: 'standby', generation: 2 })
    expect(await leases.holder('2/2')).toMatchObject({ owner: 'standby', live: true })
    await standby.stop()
  })
})
