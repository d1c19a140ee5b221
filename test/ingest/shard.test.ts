/**
 * Which schools a worker owns (SHARD=k/n): the registry's explicit `shard`, else rendezvous
 * hashing of the school id as docs/scaling.md writes it down; the registry, topics and client id
 * a shard's worker runs on; and the settings a sharded worker refuses.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { readEnv } from '../../core/config/env.js'
import { parseConfig } from '../../core/config/load.js'
import { ConfigError } from '../../core/errors.js'
import {
  claimShard,
  hashedShard,
  ownsTopic,
  parseShard,
  shardClientId,
  shardRegistry,
  shardTopicFilters,
} from '../../ingest/shard/index.js'
import { testLog } from '../helpers/log.js'
import { testRegistry } from '../helpers/registry.js'

/** The rule of docs/scaling.md, written out again from the page rather than from the code. */
function documentedShard(school: string, count: number): number {
  const scores = Array.from({ length: count }, (_, i) =>
    parseInt(
      createHash('sha256')
        .update(`${school}#${i + 1}`)
        .digest('hex')
        .slice(0, 8),
      16,
    ),
  )
  return scores.indexOf(Math.max(...scores)) + 1
}

function district(n: number, extra: (i: number) => string = () => ''): string {
  const schools = Array.from(
    { length: n },
    (_, i) => `  - id: school-${i}
    name: School ${i}${extra(i)}
    buildings:
      - id: main
        use: teaching
        meters:
          - { id: W${i}, kind: water }
          - { id: E${i}, kind: electricity }`,
  )
  return `schools:\n${schools.join('\n')}\n`
}

describe('SHARD', () => {
  it('is k/n with k from 1 to n', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 })
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 })
    for (const bad of ['0/3', '4/3', '3', 'a/b', '1/0'])
      expect(() => parseShard(bad), bad).toThrow(ConfigError)
    expect(() => readEnv({ SHARD: 'one of three' })).toThrow(/SHARD/)
    expect(readEnv({ SHARD: '1/3' }).SHARD).toBe('1/3')
  })
})

describe('assignment by hashing the school id', () => {
  const ids = Array.from({ length: 3000 }, (_, i) => `school-${i}`)

  it('follows the documented rule: the largest first 32 bits of SHA-256("{school}#{k}")', () => {
    for (const id of ids.slice(0, 300))
      for (const n of [1, 2, 3, 7]) expect(hashedShard(id, n)).toBe(documentedShard(id, n))
  })

  it('spreads schools evenly', () => {
    const counts = [0, 0, 0]
    for (const id of ids) counts[hashedShard(id, 3) - 1]!++
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(100)
  })

  it('moves only the schools a new shard wins when one is added', () => {
    let moved = 0
    for (const id of ids) {
      const before = hashedShard(id, 3)
      const after = hashedShard(id, 4)
      if (after !== before) {
        expect(after).toBe(4)
        moved++
      }
    }
    expect(moved / ids.length).toBeGreaterThan(0.2)
    expect(moved / ids.length).toBeLessThan(0.3)
  })
})

describe('a shard of the registry', () => {
  it('holds its schools and their meters, the explicit ones where the registry puts them', () => {
    // Every school of the first five is put in shard 2 explicitly; the rest by hashing.
    const { registry } = parseConfig(
      district(30, (i) => (i < 5 ? '\n    shard: 2' : '')),
      'd.yaml',
    )
    const shards = [1, 2, 3].map((index) => shardRegistry(registry, { index, count: 3 }))
    const owners = new Map<string, number>()
    shards.forEach((r, i) => {
      for (const id of r.schools.keys()) {
        expect(owners.has(id), id).toBe(false)
        owners.set(id, i + 1)
      }
      for (const m of r.meters.values()) expect(r.schools.has(m.school.id)).toBe(true)
      expect(r.meters.size).toBe(r.schools.size * 2)
      expect(r.locale).toBe(registry.locale)
    })
    expect(owners.size).toBe(30)
    for (let i = 0; i < 30; i++)
      expect(owners.get(`school-${i}`)).toBe(i < 5 ? 2 : documentedShard(`school-${i}`, 3))
  })

  it('refuses a school put in a shard beyond SHARD’s count, naming it', () => {
    const { registry } = parseConfig(
      district(3, (i) => (i === 1 ? '\n    shard: 4' : '')),
      'd.yaml',
    )
    expect(() => shardRegistry(registry, { index: 1, count: 3 })).toThrow(ConfigError)
    try {
      shardRegistry(registry, { index: 1, count: 3 })
    } catch (err) {
      expect((err as ConfigError).text('en')).toContain('schools[1].shard')
      expect((err as ConfigError).text('en')).toContain('SHARD=1/3 says there are 3')
    }
  })

  it('is refused as 0 by the registry schema', () => {
    expect(() =>
      parseConfig(
        district(1, () => '\n    shard: 0'),
        'd.yaml',
      ),
    ).toThrow(/shard/)
  })

  it("subscribes to its schools' reading topics only, under one client id per shard", () => {
    const registry = testRegistry()
    const one = shardRegistry(registry, { index: 1, count: 1 })
    expect(shardTopicFilters(one)).toEqual(['schools/test-school/+/+', 'schools/other-school/+/+'])
    expect(shardClientId({ index: 2, count: 3 })).toBe('schoolmeter-shard-2-of-3')
    // With the workers' broker password: the same for the shard's owner and standby, another for
    // another shard or password, and nothing a gateway could work out without the password.
    const own = shardClientId({ index: 2, count: 3 }, 'workers-broker-password')
    expect(own).toMatch(/^schoolmeter-shard-2-of-3-[0-9a-f]{16}$/)
    expect(shardClientId({ index: 2, count: 3 }, 'workers-broker-password')).toBe(own)
    expect(shardClientId({ index: 1, count: 3 }, 'workers-broker-password').slice(-16)).not.toBe(
      own.slice(-16),
    )
    expect(shardClientId({ index: 2, count: 3 }, 'another-password')).not.toBe(own)
    const only = { ...one, schools: new Map([['test-school', one.schools.get('test-school')!]]) }
    expect(ownsTopic(only, 'schools/test-school/meters/W1')).toBe(true)
    expect(ownsTopic(only, 'schools/other-school/gateways/gw')).toBe(false)
    expect(ownsTopic(only, 'schools/test-schoolx/meters/W1')).toBe(false)
  })
})

describe('a sharded worker', () => {
  const registry = testRegistry()
  const claim = (env: Record<string, string>) =>
    claimShard({ env: readEnv(env), registry, log: testLog, onLost: () => {} })

  it('without SHARD has the whole district', async () => {
    expect(await claim({})).toBeUndefined()
  })

  it('needs an external broker, and a standby needs SHARD and DATABASE_URL', async () => {
    await expect(claim({ SHARD: '1/2' })).rejects.toThrow(/SHARD.*MQTT_URL/s)
    await expect(claim({ SHARD: '1/2', MQTT_URL: 'mqtt://127.0.0.1:1', SHARD_STANDBY: '1' })).rejects.toThrow(
      /SHARD_STANDBY/,
    )
  })

  it('without DATABASE_URL runs its shard with no lease', async () => {
    const shard = await claim({ SHARD: '2/2', MQTT_URL: 'mqtt://127.0.0.1:1' })
    expect(shard?.name).toBe('2/2')
    expect(shard?.lease).toBeUndefined()
    expect(shard?.clientId).toBe('schoolmeter-shard-2-of-2')
    // With the workers' broker password, the session's id is derived from it.
    const withLogin = await claim({
      SHARD: '2/2',
      MQTT_URL: 'mqtt://127.0.0.1:1',
      MQTT_PASSWORD: 'workers-secret',
    })
    expect(withLogin?.clientId).toBe(shardClientId({ index: 2, count: 2 }, 'workers-secret'))
    expect(withLogin?.clientId).not.toBe('schoolmeter-shard-2-of-2')
    expect([...shard!.registry.schools.keys()]).toEqual(
      [...registry.schools.keys()].filter((id) => hashedShard(id, 2) === 2),
    )
  })
})
