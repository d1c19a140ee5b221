/**
 * What a worker does with `SHARD` before it opens its data directory: works out its schools, and
 * with `DATABASE_URL` takes the shard's lease first — waiting as a standby while another process
 * holds it. The rest of the service then runs on the shard's registry, subscribes with the
 * shard's client id to its schools' topics, and stops at once if the lease is lost.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { Logger } from 'pino'
import { type Env, flag } from '../../core/config/env.js'
import { ConfigError, type ConfigProblem, ENVIRONMENT } from '../../core/errors.js'
import { msg } from '../../core/i18n/index.js'
import type { Registry } from '../../core/registry.js'
import { type LeaseHolder, PostgresLeases } from '../../store/index.js'
import {
  ownsTopic,
  parseShard,
  type ShardSpec,
  shardClientId,
  shardName,
  shardRegistry,
  shardTopicFilters,
} from './assign.js'
import { ShardLease } from './lease.js'
import { serveStandbyHealth } from './standby.js'

export interface ClaimedShard {
  spec: ShardSpec
  /** `k/n`. */
  name: string
  /** The district cut down to the shard's schools: what the worker runs on. */
  registry: Registry
  /** Its MQTT session: the same for the shard's owner and standby. */
  clientId: string
  filters: string[]
  /** Whether a topic is for one of the shard's schools. */
  owns(topic: string): boolean
  /** The lease, when DATABASE_URL is set. */
  lease?: ShardLease
  /** Gives the shard up (releases the lease). */
  release(): Promise<void>
}

export interface ClaimOptions {
  env: Env
  registry: Registry
  log: Logger
  /** The lease was lost: stop handling the shard now. */
  onLost: (reason: 'taken' | 'expired') => void
  /** Stop waiting (the process is asked to stop while standing by). */
  signal?: AbortSignal
}

/** This process's name in the lease table: host, pid and a random part (a restart is a new owner). */
export function leaseOwner(): string {
  return `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`
}

/** Undefined without SHARD: the worker has the whole district, as before. */
export async function claimShard(o: ClaimOptions): Promise<ClaimedShard | undefined> {
  const { env, log } = o
  const standby = flag(env.SHARD_STANDBY)
  const problems: ConfigProblem[] = []
  if (standby && (env.SHARD === undefined || env.DATABASE_URL === undefined))
    problems.push({
      path: 'SHARD_STANDBY',
      value: env.SHARD_STANDBY,
      expected: msg('shard.expected.standby'),
    })
  if (env.SHARD !== undefined && env.MQTT_URL === undefined)
    problems.push({ path: 'SHARD', value: env.SHARD, expected: msg('shard.expected.externalBroker') })
  if (problems.length) throw new ConfigError(ENVIRONMENT, problems)
  if (env.SHARD === undefined) return undefined

  const spec = parseShard(env.SHARD)
  const name = shardName(spec)
  const registry = shardRegistry(o.registry, spec)
  if (registry.schools.size === 0)
    log.warn(`shard ${name} has no schools: the registry assigns them all to other shards`)
  else log.info({ schools: registry.schools.size, meters: registry.meters.size }, `shard ${name}`)

  const shard: ClaimedShard = {
    spec,
    name,
    registry,
    clientId: env.MQTT_CLIENT_ID ?? shardClientId(spec, env.MQTT_PASSWORD),
    filters: shardTopicFilters(registry),
    owns: (topic) => ownsTopic(registry, topic),
    release: async () => {},
  }
  if (!env.DATABASE_URL) return shard

  const leases = await PostgresLeases.open(env.DATABASE_URL, {
    onError: (err) =>
      log.warn({ err: err.message }, 'PostgreSQL dropped a connection; the next call reconnects'),
  })
  let holder: LeaseHolder | undefined
  const lease = new ShardLease({
    leases,
    shard: name,
    owner: leaseOwner(),
    ttlMs: env.SHARD_LEASE_SECONDS * 1000,
    log,
    standby,
    onLost: o.onLost,
    onWaiting: (h) => {
      holder = h
    },
  })
  // Until the lease is ours, /health says so on the API's port.
  const health = await serveStandbyHealth({
    host: env.HTTP_HOST,
    port: env.HTTP_PORT,
    shard: name,
    holder: () => holder,
  })
  try {
    await lease.acquire(o.signal)
  } catch (err) {
    await leases.close()
    throw err
  } finally {
    await health.close()
  }
  lease.start()
  return {
    ...shard,
    lease,
    release: async () => {
      await lease.stop()
      await leases.close()
    },
  }
}
