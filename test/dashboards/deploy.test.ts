/**
 * The production stack as files: docker-compose.yml, the Dockerfile, .env.example and the
 * provisioning they mount. `docker compose config` validates the compose file where the compose
 * plugin is installed; everywhere, the file is checked for what the stack relies on — pinned
 * images, health checks and their order of start, volumes, the optional Mosquitto profile, and
 * every ${VARIABLE} documented in .env.example.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { Env, readEnv } from '../../core/index.js'
import { ROOT } from './load.js'

interface Service {
  image?: string
  build?: unknown
  profiles?: string[]
  environment?: Record<string, string>
  volumes?: string[]
  ports?: string[]
  depends_on?: Record<string, { condition: string; required?: boolean }>
  healthcheck?: { test: string[] }
  entrypoint?: string[]
}

const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')
const compose = parseYaml(composeText) as {
  services: Record<string, Service>
  volumes: Record<string, unknown>
}
const services = compose.services
const envExample = readFileSync(join(ROOT, '.env.example'), 'utf8')
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')

/** VAR=value lines of .env.example. */
const documented = new Map(
  envExample
    .split('\n')
    .filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
)
/** Every variable the compose file interpolates, nested defaults included. */
const interpolated = new Set([...composeText.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!))
/** What a value is with the defaults of .env.example: ${A:-x}, ${A:?msg}, nested. */
function resolve(value: string): string {
  let out = value
  for (let i = 0; i < 5 && out.includes('${'); i++) {
    out = out.replace(/\$\{([A-Z0-9_]+)(?::([-?])((?:[^{}]|\{[^{}]*\})*))?\}/g, (_m, name, op, rest) => {
      const v = documented.get(name) ?? ''
      return v === '' && op === '-' ? rest : v
    })
  }
  return out
}

/** A volume entry, `source:target[:mode]`, with the defaults of .env.example. */
function mount(v: string): { source: string; target: string; mode?: string } {
  const [source, target, mode] = resolve(v).split(':')
  return { source: source!, target: target!, ...(mode ? { mode } : {}) }
}

const composePlugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0

describe('docker-compose.yml', () => {
  it.runIf(composePlugin)('is valid for docker compose, with and without each profile', () => {
    const env = {
      ...process.env,
      INFLUX_TOKEN: 'test-token',
      INFLUX_ADMIN_PASSWORD: 'test-password',
      GRAFANA_ADMIN_PASSWORD: 'test-password',
    }
    for (const args of [[], ['--profile', 'mosquitto'], ['--profile', 'postgres']]) {
      const r = spawnSync('docker', ['compose', '--env-file', '.env.example', ...args, 'config', '--quiet'], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
      })
      expect(r.stderr, `docker compose ${args.join(' ')} config`).toBe('')
      expect(r.status).toBe(0)
    }
  })

  it('runs InfluxDB, its InfluxQL mapping, schoolmeter and Grafana; Mosquitto and PostgreSQL only in their profiles', () => {
    expect(Object.keys(services).sort()).toEqual([
      'grafana',
      'influxdb',
      'influxdb-dbrp',
      'mosquitto',
      'postgres',
      'schoolmeter',
    ])
    expect(services.mosquitto!.profiles).toEqual(['mosquitto'])
    expect(services.postgres!.profiles).toEqual(['postgres'])
    for (const [name, s] of Object.entries(services))
      if (name !== 'mosquitto' && name !== 'postgres') expect(s.profiles, name).toBeUndefined()
  })

  it('pins every image to a version, and builds schoolmeter from the Dockerfile', () => {
    for (const [name, s] of Object.entries(services)) {
      if (name === 'schoolmeter') {
        expect(s.build).toBe('.')
        continue
      }
      // PostgreSQL numbers its releases major.minor (15.10).
      expect(s.image, name).toMatch(name === 'postgres' ? /^postgres:\d+\.\d+$/ : /^[\w./-]+:\d+\.\d+\.\d+$/)
    }
    expect(services.influxdb!.image).toMatch(/^influxdb:2\.7\./)
    expect(services['influxdb-dbrp']!.image).toBe(services.influxdb!.image)
  })

  it('initialises InfluxDB with an org, a bucket and a token, and maps the bucket for InfluxQL', () => {
    const env = services.influxdb!.environment!
    expect(env.DOCKER_INFLUXDB_INIT_MODE).toBe('setup')
    for (const key of ['ORG', 'BUCKET', 'USERNAME']) {
      expect(resolve(env[`DOCKER_INFLUXDB_INIT_${key}`] ?? ''), key).not.toBe('')
    }
    // The secrets have no default: compose stops with a message until .env sets them.
    expect(env.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN).toMatch(/^\$\{INFLUX_TOKEN:\?/)
    expect(env.DOCKER_INFLUXDB_INIT_PASSWORD).toMatch(/^\$\{INFLUX_ADMIN_PASSWORD:\?/)
    const dbrp = services['influxdb-dbrp']!
    expect(dbrp.entrypoint).toEqual(['bash', '/deploy/dbrp.sh'])
    expect(dbrp.volumes).toContain('./deploy/influxdb/dbrp.sh:/deploy/dbrp.sh:ro')
    expect(readFileSync(join(ROOT, 'deploy/influxdb/dbrp.sh'), 'utf8')).toContain('influx v1 dbrp create')
    expect(resolve(dbrp.environment!.INFLUX_BUCKET!)).toBe(resolve(env.DOCKER_INFLUXDB_INIT_BUCKET!))
  })

  it('starts each service once what it needs is healthy', () => {
    expect(services.influxdb!.healthcheck?.test.join(' ')).toContain('/health')
    expect(services.grafana!.healthcheck?.test.join(' ')).toContain('/api/health')
    expect(services['influxdb-dbrp']!.depends_on).toEqual({ influxdb: { condition: 'service_healthy' } })
    expect(services.schoolmeter!.depends_on?.influxdb).toEqual({ condition: 'service_healthy' })
    // The broker of the profile, when it runs; nothing when it does not.
    expect(services.schoolmeter!.depends_on?.mosquitto).toEqual({
      condition: 'service_started',
      required: false,
    })
    // The app store's PostgreSQL of its profile, once it answers.
    expect(services.postgres!.healthcheck?.test.join(' ')).toContain('pg_isready')
    expect(services.schoolmeter!.depends_on?.postgres).toEqual({
      condition: 'service_healthy',
      required: false,
    })
    expect(services.schoolmeter!.environment!.DATABASE_URL).toBe(`\${DATABASE_URL:-}`)
    expect(services.grafana!.depends_on).toEqual({
      'influxdb-dbrp': { condition: 'service_completed_successfully' },
    })
  })

  it('gives schoolmeter a container-ready environment the service understands', () => {
    const s = services.schoolmeter!
    const env = s.environment!
    for (const key of Object.keys(env))
      expect(Object.keys(Env.properties), `${key} is a schoolmeter variable`).toContain(key)
    expect(env.HTTP_HOST).toBe('0.0.0.0')
    expect(env.MQTT_HOST).toBe('0.0.0.0')
    expect(env.INFLUX_URL).toBe('http://influxdb:8086')
    for (const key of ['INFLUX_TOKEN', 'INFLUX_ORG', 'INFLUX_BUCKET']) expect(env[key], key).toMatch(/^\$\{/)
    const mountOf = (target: string) => s.volumes!.map(mount).find((m) => m.target === target)
    expect(mountOf(env.DATA_DIR!)?.source, 'DATA_DIR on a volume').toBe('schoolmeter-data')
    // With .env.example's values, the stack runs the bundled demo district's registry.
    expect(mountOf(env.CONFIG!), 'CONFIG is a mounted file').toEqual({
      source: './core/demo/district.yaml',
      target: '/config/district.yaml',
      mode: 'ro',
    })
  })

  it('passes the notification settings from .env — e-mail, links, the group robots — secrets left empty', () => {
    const env = services.schoolmeter!.environment!
    const settings = ['SMTP_URL', 'SMTP_FROM', 'PUBLIC_URL', 'LINK_SECRET']
    const robots = [
      'WECOM_ROBOT_URL',
      'DINGTALK_ROBOT_URL',
      'DINGTALK_ROBOT_SECRET',
      'FEISHU_ROBOT_URL',
      'FEISHU_ROBOT_SECRET',
    ]
    for (const key of [...settings, ...robots]) {
      // From .env only, never written into the compose file; empty is unset.
      expect(env[key], key).toBe(`\${${key}:-}`)
      expect(documented.get(key), `${key} in .env.example`).toBe('')
    }
    // What the container gets with .env.example's values is an environment the service accepts.
    const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, resolve(v)]))
    expect(() => readEnv(resolved)).not.toThrow()
    expect(readEnv({ ...resolved, PUBLIC_URL: 'https://energy.district.example' }).PUBLIC_URL).toBe(
      'https://energy.district.example',
    )
  })

  it('mounts the provisioning and the generated dashboards into Grafana, with the variables they read', () => {
    const g = services.grafana!
    const mounts = new Map(g.volumes!.map(mount).map((m) => [m.target, m.source]))
    const datasource = mounts.get('/etc/grafana/provisioning/datasources/schoolmeter.yaml')!
    expect(datasource).toBe('./deploy/grafana/datasources/influxql-token.yaml')
    expect(mounts.get('/etc/grafana/provisioning/dashboards/schoolmeter.yaml')).toBe(
      './deploy/grafana/dashboards.yaml',
    )
    const provisioning = readFileSync(join(ROOT, datasource), 'utf8').replace(/^\s*#.*$/gm, '')
    for (const name of provisioning.matchAll(/\$\{([A-Z_]+)\}/g)) {
      expect(Object.keys(g.environment!), `Grafana needs ${name[1]}`).toContain(name[1])
    }
    const home = g.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!
    expect(existsSync(join(ROOT, 'dashboards/generated', home.split('/').pop()!))).toBe(true)
  })

  it('declares its named volumes and mounts only files that exist', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const { source } of (s.volumes ?? []).map(mount)) {
        if (source.startsWith('./')) expect(existsSync(join(ROOT, source)), `${name}: ${source}`).toBe(true)
        else expect(Object.keys(compose.volumes), `${name}: volume ${source}`).toContain(source)
      }
    }
  })

  it('documents every variable it reads in .env.example, and nothing else', () => {
    for (const name of interpolated) expect(documented.has(name), `${name} in .env.example`).toBe(true)
    // COMPOSE_PROFILES is read by docker compose itself.
    for (const name of documented.keys()) {
      if (name !== 'COMPOSE_PROFILES')
        expect(interpolated.has(name), `${name} is used by docker-compose.yml`).toBe(true)
    }
    // Secrets are left for the operator to fill; the stack refuses to start without them.
    for (const secret of ['INFLUX_TOKEN', 'INFLUX_ADMIN_PASSWORD', 'GRAFANA_ADMIN_PASSWORD']) {
      expect(documented.get(secret), secret).toBe('')
      expect(composeText).toContain(`\${${secret}:?`)
    }
  })
})

describe('Dockerfile', () => {
  const stages = [...dockerfile.matchAll(/^FROM (\S+)(?: AS (\w+))?$/gm)]
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))

  it('builds in one stage and runs from a pinned, slim base in another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2)
    for (const [, image] of stages) expect(image).toMatch(/^node:20\.\d+\.\d+-[\w-]+$/)
    expect(runtime).toContain('COPY --from=build /app/dist ./dist')
    expect(runtime).not.toMatch(/npm (ci|install)/)
  })

  it('runs node dist/app/main.js as a user other than root, with a health check on /health', () => {
    expect(runtime).toMatch(/^USER (?!root)\w+$/m)
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/health/m)
    expect(runtime).toContain('CMD ["node", "dist/app/main.js"]')
    expect(runtime).toMatch(/HTTP_HOST=0\.0\.0\.0/)
    expect(runtime).toMatch(/MQTT_HOST=0\.0\.0\.0/)
  })

  it('leaves secrets and build output out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')
    for (const path of ['.env', 'node_modules', 'dist', 'data', '.git']) expect(ignored, path).toContain(path)
  })
})
