/**
 * Shards: which schools a worker owns when a district is split across processes (`SHARD=k/n`).
 * A school goes where the registry puts it (`shard: k`), else where rendezvous hashing of its id
 * puts it: the same answer on every worker, for ever, with no table to keep in step. A worker
 * sees only its schools — the registry it runs on is cut down to them — so its rules, alerts,
 * notifications, state and journal cover only those (docs/scaling.md).
 */
import { createHash, createHmac } from 'node:crypto'
import { ConfigError, type ConfigProblem, ENVIRONMENT } from '../../core/errors.js'
import { msg } from '../../core/i18n/index.js'
import type { Registry, School } from '../../core/registry.js'

/** One shard of `count`: `index` runs from 1 to `count`. */
export interface ShardSpec {
  index: number
  count: number
}

/** `"2/3"` → { index: 2, count: 3 }; a shard beyond the count is refused, naming SHARD. */
export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text)
  const index = Number(m?.[1])
  const count = Number(m?.[2])
  if (!m || index < 1 || count < 1 || index > count)
    throw new ConfigError(ENVIRONMENT, [{ path: 'SHARD', value: text, expected: msg('shard.expected.spec') }])
  return { index, count }
}

export function shardName(spec: ShardSpec): string {
  return `${spec.index}/${spec.count}`
}

/**
 * The shard rendezvous hashing gives a school of `count`: of 1…count, the k whose SHA-256 of
 * `{school}#{k}` begins with the largest 32-bit number (the smaller k on a tie). Adding a shard
 * moves only the schools the new one wins, about 1/(count+1) of them, where `hash mod count` would
 * move most (Thaler and Ravishankar's highest-random-weight hashing).
 */
export function hashedShard(schoolId: string, count: number): number {
  let best = 1
  let bestScore = -1
  for (let k = 1; k <= count; k++) {
    const score = createHash('sha256').update(`${schoolId}#${k}`).digest().readUInt32BE(0)
    if (score > bestScore) {
      best = k
      bestScore = score
    }
  }
  return best
}

/** The shard a school belongs to: the registry's `shard`, else its hashed one. */
export function shardOf(school: School, count: number): number {
  return school.config.shard ?? hashedShard(school.id, count)
}

/**
 * The registry cut down to one shard's schools and their meters. District-wide settings stay. A
 * school the registry assigns to a shard beyond `count` is a configuration mistake: every worker
 * would leave it out, and its readings would wait on the broker with nobody to take them.
 */
export function shardRegistry(registry: Registry, spec: ShardSpec): Registry {
  const problems: ConfigProblem[] = []
  let i = 0
  for (const school of registry.schools.values()) {
    const explicit = school.config.shard
    if (explicit !== undefined && explicit > spec.count)
      problems.push({
        path: `schools[${i}].shard`,
        value: explicit,
        expected: msg('shard.expected.withinCount', { count: spec.count, shard: shardName(spec) }),
      })
    i++
  }
  if (problems.length) throw new ConfigError(ENVIRONMENT, problems)
  const schools = new Map([...registry.schools].filter(([, s]) => shardOf(s, spec.count) === spec.index))
  const meters = new Map([...registry.meters].filter(([, m]) => schools.has(m.school.id)))
  return { ...registry, schools, meters }
}

/**
 * The MQTT filters a shard's worker subscribes to: each school's reading topics
 * (`schools/{school}/+/+`: meters and gateways, CONTRACT.md). Not `schools/{school}/#`: on NATS a
 * `#` filter costs two subscriptions and twice the session's share of unacknowledged messages
 * (`max_ack_pending`), and it would bring back what the service itself publishes there.
 */
export function shardTopicFilters(registry: Registry): string[] {
  return [...registry.schools.keys()].map((id) => `schools/${id}/+/+`)
}

/**
 * The MQTT client id of a shard's session: the same for its owner and its standby, so that
 * whoever holds the shard's lease is handed the messages the broker kept for it. With the
 * workers' broker password it ends in a part derived from it: a broker that does not bind client
 * ids to logins (NATS) lets anyone who knows a session's id take it over, and gateways do not know
 * the workers' password.
 */
export function shardClientId(spec: ShardSpec, workersPassword?: string): string {
  const id = `schoolmeter-shard-${spec.index}-of-${spec.count}`
  if (!workersPassword) return id
  return `${id}-${createHmac('sha256', workersPassword).update(id).digest('hex').slice(0, 16)}`
}

/**
 * Whether a topic is for one of the shard's schools. A persistent session can still hold a
 * subscription from before the schools were reassigned; such readings belong to their new owner,
 * whose own session has them.
 */
export function ownsTopic(registry: Registry, topic: string): boolean {
  if (!topic.startsWith('schools/')) return true
  const end = topic.indexOf('/', 8)
  return registry.schools.has(topic.slice(8, end < 0 ? undefined : end))
}
