/**
 * Shard leases in a real PostgreSQL: one statement each for take, renew and release, decided by
 * the database — one owner at a time, even when many reach for a shard at once; a lapsed or
 * released lease goes to the next taker, and the replaced owner can neither renew nor release it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PostgresLeases } from '../../store/index.js'
import { type Postgres, startPostgres } from '../helpers/postgres.js'

let db: Postgres
let leases: PostgresLeases

beforeAll(async () => {
  db = await startPostgres()
  // Two workers starting together both make sure the table exists.
  const [a, b] = await Promise.all([PostgresLeases.open(db.url), PostgresLeases.open(db.url)])
  await b.close()
  leases = a
})
afterAll(async () => {
  await leases?.close()
  await db?.stop()
})

const MINUTE = 60_000

describe('shard leases in PostgreSQL', () => {
  it('has one owner at a time; the owner renews it, and another takes it once released', async () => {
    const a = await leases.take('1/3', 'worker-a', MINUTE)
    expect(a).toMatchObject({ shard: '1/3', owner: 'worker-a', generation: 1 })
    expect(await leases.take('1/3', 'worker-b', MINUTE)).toBeUndefined()
    expect(await leases.holder('1/3')).toMatchObject({ owner: 'worker-a', live: true })

    const renewed = await leases.renew(a!, MINUTE)
    expect(renewed?.expiresAt.getTime()).toBeGreaterThanOrEqual(a!.expiresAt.getTime())
    await leases.release(renewed!)
    expect(await leases.holder('1/3')).toMatchObject({ owner: 'worker-a', live: false })

    const b = await leases.take('1/3', 'worker-b', MINUTE)
    expect(b).toMatchObject({ owner: 'worker-b', generation: 2 })
    // The replaced owner's renewal and release match nothing: b keeps the shard.
    expect(await leases.renew(renewed!, MINUTE)).toBeUndefined()
    await leases.release(renewed!)
    expect(await leases.holder('1/3')).toMatchObject({ owner: 'worker-b', live: true, generation: 2 })
  })

  it('goes to the next taker once it lapses on the database clock, and cannot be renewed then', async () => {
    // A period of 0 ms has lapsed by the next statement.
    const a = await leases.take('2/3', 'worker-a', 0)
    expect(a).toBeDefined()
    expect(await leases.renew(a!, MINUTE)).toBeUndefined()
    expect(await leases.take('2/3', 'worker-b', MINUTE)).toMatchObject({ owner: 'worker-b', generation: 2 })
  })

  it('is given to exactly one of many workers reaching for it at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => leases.take('3/3', `worker-${i}`, MINUTE)),
    )
    const winners = results.filter((r) => r !== undefined)
    expect(winners).toHaveLength(1)
    expect(await leases.holder('3/3')).toMatchObject({ owner: winners[0]!.owner, live: true })
  })

  it('keeps its rows in one table of shard, owner, expiry and generation', async () => {
    const rows = await db.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'shard_leases' ORDER BY ordinal_position",
    )
    expect(rows.map((r) => r.column_name)).toEqual(['shard', 'owner', 'expires_at', 'generation'])
  })
})
