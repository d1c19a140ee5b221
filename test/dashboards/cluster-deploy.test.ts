/**
 * The province stack as files: deploy/cluster/compose.yml, its nats.conf and .env.example. Where
 * the compose plugin is installed `docker compose config` validates the file; everywhere, nats.conf
 * is checked by the real nats-server (`-t`) and the compose file for what the failover relies on —
 * three NATS nodes of one cluster with JetStream and MQTT, every worker on its own shard with a
 * standby sharing the shard's volume, the environment the service accepts, restart policies,
 * health checks and their order of start, and every ${VARIABLE} documented in .env.example.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { readEnv } from '../../core/index.js'
import { bcryptHashSecret } from '../../core/secrets.js'
import { natsUsers } from '../../ingest/index.js'
import { parseShard } from '../../ingest/shard/index.js'
import { requireBinary } from '../helpers/binaries.js'
import { ROOT } from './load.js'

interface Service {
  image?: string
  build?: unknown
  restart?: string
  command?: string[]
  user?: string
  environment?: Record<string, string>
  volumes?: string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
}

const DIR = join(ROOT, 'deploy', 'cluster')
const composeText = readFileSync(join(DIR, 'compose.yml'), 'utf8')
// Compose reads YAML 1.1 merge keys (`<<: *worker`).
const compose = parseYaml(composeText, { merge: true }) as {
  services: Record<string, Service>
  volumes: object
}
const services = compose.services
const natsConf = readFileSync(join(DIR, 'nats.conf'), 'utf8')
const envExample = readFileSync(join(DIR, '.env.example'), 'utf8')

const documented = new Map(
  envExample
    .split('\n')
    .filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
)
/** Secrets .env.example leaves empty, as an operator fills them in. */
const SECRETS: Record<string, string> = {
  NATS_WORKER_PASSWORD: 'worker-secret',
  POSTGRES_PASSWORD: 'pg-secret',
  INFLUX_TOKEN: 'influx-token',
  INFLUX_ADMIN_PASSWORD: 'influx-password',
}
const settingOf = (name: string) => SECRETS[name] ?? documented.get(name) ?? ''
/** A value with ${A:-x} and ${A:?msg} resolved from .env.example and the secrets above. */
function resolve(value: string): string {
  let out = value
  for (let i = 0; i < 5 && out.includes('${'); i++)
    out = out.replace(/\$\{([A-Z0-9_]+)(?::([-?])((?:[^{}]|\{[^{}]*\})*))?\}/g, (_m, name, op, rest) => {
      const v = settingOf(name)
      return v === '' && op === '-' ? rest : v
    })
  return out
}
const env = (s: Service) =>
  Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, resolve(String(v))]))

const natsNodes = Object.keys(services).filter((n) => /^nats-\d$/.test(n))
const workers = Object.keys(services).filter((n) => /^worker-\d+$/.test(n))
const standbys = Object.keys(services).filter((n) => /^worker-\d+-standby$/.test(n))

describe('deploy/cluster/compose.yml', () => {
  it.runIf(spawnSync('docker', ['compose', 'version']).status === 0)('is valid for docker compose', () => {
    const r = spawnSync(
      'docker',
      ['compose', '-f', 'compose.yml', '--env-file', '.env.example', 'config', '--quiet'],
      {
        cwd: DIR,
        env: { ...process.env, ...SECRETS },
        encoding: 'utf8',
      },
    )
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })

  it('runs three NATS nodes of one cluster, each named, with its own JetStream volume, from a nats.conf nats-server accepts', () => {
    expect(natsNodes).toEqual(['nats-1', 'nats-2', 'nats-3'])
    const names = natsNodes.map((n) => env(services[n]!).NATS_SERVER_NAME)
    expect(new Set(names).size).toBe(3)
    const volumes = natsNodes.map((n) => services[n]!.volumes!.find((v) => v.endsWith(':/data'))!)
    expect(new Set(volumes).size).toBe(3)
    // The real server checks the file with this node's environment, beside the users
    // `gateway nats-users` writes where the node mounts them.
    const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-cluster-conf-'))
    try {
      copyFileSync(join(DIR, 'nats.conf'), join(dir, 'nats.conf'))
      mkdirSync(join(dir, 'auth'))
      const worker = { username: 'schoolmeter', bcryptHash: bcryptHashSecret(SECRETS.NATS_WORKER_PASSWORD!) }
      writeFileSync(join(dir, 'auth', 'users.conf'), natsUsers([], { worker }).text)
      for (const n of natsNodes) {
        expect(services[n]!.image).toMatch(/^nats:2\.\d+\.\d+/)
        expect(services[n]!.volumes).toContain('./nats.conf:/etc/nats/nats.conf:ro')
        expect(services[n]!.volumes).toContain('nats-auth:/etc/nats/auth:ro')
        expect(services[n]!.healthcheck?.test.join(' ')).toContain('/healthz?js-enabled-only=true')
        const r = spawnSync(
          requireBinary('nats-server', 'nats-server'),
          ['-t', '-c', join(dir, 'nats.conf')],
          {
            env: { ...process.env, ...env(services[n]!) },
            encoding: 'utf8',
          },
        )
        expect(`${r.stdout}${r.stderr}`).toContain('is valid')
        expect(r.status).toBe(0)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    expect(natsConf).toMatch(/^server_name: \$NATS_SERVER_NAME$/m)
    expect(natsConf).toMatch(/^jetstream \{/m)
    for (const n of natsNodes) expect(natsConf).toContain(`nats-route://${n}:6222`)
    // Nobody logs in but the users written from the gateway logins: no shared login of its own.
    expect(natsConf).toMatch(/^include "auth\/users\.conf"$/m)
    expect(natsConf).not.toMatch(/\b(users|user|password)\s*:/)
    // A shard's session: one subscription per school, 65535 unacknowledged messages in all.
    const maxAckPending = Number(/max_ack_pending: (\d+)/.exec(natsConf)?.[1])
    expect(Math.floor(65535 / maxAckPending)).toBeGreaterThanOrEqual(1000)
  })

  it('gives every shard one worker and a standby sharing its volume, on every node, with its lease in PostgreSQL', () => {
    expect(workers.length).toBeGreaterThanOrEqual(3)
    const count = Number(settingOf('SHARD_COUNT'))
    expect(workers.length).toBe(count)
    const shards = new Set<number>()
    for (const w of workers) {
      const e = env(services[w]!)
      const spec = parseShard(e.SHARD!)
      expect(spec.count).toBe(count)
      shards.add(spec.index)
      expect(e.SHARD_STANDBY).toBeUndefined()
      const standby = services[`${w}-standby`]
      expect(standby, `${w}-standby`).toBeDefined()
      expect(env(standby!)).toMatchObject({ SHARD: e.SHARD, SHARD_STANDBY: '1' })
      const dataOf = (s: Service) => s.volumes!.find((v) => v.endsWith(':/data'))
      expect(dataOf(standby!)).toBe(dataOf(services[w]!))
      expect(e.DATA_DIR).toBe('/data')
      expect(e.MQTT_URL!.split(',')).toEqual(natsNodes.map((n) => `mqtt://${n}:1883`))
      expect(e.DATABASE_URL).toMatch(/^postgres:\/\/schoolmeter:pg-secret@postgres:5432\/schoolmeter$/)
      // The service accepts the environment as compose gives it.
      expect(() => readEnv(e)).not.toThrow()
    }
    expect([...shards].sort()).toEqual(Array.from({ length: count }, (_, i) => i + 1))
    expect(standbys).toHaveLength(workers.length)
    // No two shards share a volume.
    const shardVolumes = workers.map((w) => services[w]!.volumes!.find((v) => v.endsWith(':/data')))
    expect(new Set(shardVolumes).size).toBe(workers.length)
  })

  it('writes the NATS users from the gateway logins before a node starts, into the volume every node includes', () => {
    const tool = services['gateway-logins']!
    expect(tool.build).toBe('../..')
    expect(tool.user).toBeUndefined()
    expect(tool.command).toEqual([
      'node',
      'dist/app/admin.js',
      'gateway',
      'nats-users',
      '--out',
      '/nats-auth/users.conf',
    ])
    expect(tool.volumes).toContain('nats-auth:/nats-auth')
    expect(tool.volumes!.some((v) => v.endsWith(':/data') && !v.startsWith('shard-'))).toBe(true)
    for (const n of natsNodes)
      expect(services[n]!.depends_on).toEqual({
        'gateway-logins': { condition: 'service_completed_successfully' },
      })
    // It writes the workers' login as the workers use it.
    const e = env(tool)
    expect(() => readEnv(e)).not.toThrow()
    for (const w of workers) {
      expect(e.MQTT_USERNAME).toBe(env(services[w]!).MQTT_USERNAME)
      expect(e.MQTT_PASSWORD).toBe(env(services[w]!).MQTT_PASSWORD)
    }
    expect(e.CONFIG).toBe(env(services[workers[0]!]!).CONFIG)
    // Its audit records join the workers' in PostgreSQL.
    expect(e.DATABASE_URL).toBe(env(services[workers[0]!]!).DATABASE_URL)
    expect(tool.depends_on).toEqual({ postgres: { condition: 'service_healthy' } })
  })

  it('restarts what dies and starts the workers once the brokers, PostgreSQL and InfluxDB are healthy', () => {
    for (const [name, s] of Object.entries(services))
      expect(s.restart, name).toBe(name === 'gateway-logins' ? 'no' : 'unless-stopped')
    for (const name of [...natsNodes, 'postgres', 'influxdb'])
      expect(services[name]!.healthcheck?.test, name).toBeDefined()
    for (const w of [...workers, ...standbys]) {
      expect(services[w]!.depends_on).toEqual(
        Object.fromEntries(
          [...natsNodes, 'postgres', 'influxdb'].map((n) => [n, { condition: 'service_healthy' }]),
        ),
      )
      expect(services[w]!.build).toBe('../..')
    }
  })

  it('documents every variable it reads in .env.example', () => {
    const interpolated = new Set([...composeText.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!))
    const fromConf = new Set([...natsConf.matchAll(/\$([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!))
    for (const name of fromConf) {
      if (name === 'NATS_SERVER_NAME') continue
      expect(JSON.stringify(services['nats-1']!.environment), name).toContain(name)
    }
    expect([...interpolated].filter((v) => !documented.has(v))).toEqual([])
  })
})
