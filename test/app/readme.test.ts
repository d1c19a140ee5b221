/**
 * README.md's quick start, as a new user follows it: `npm start` (a real child process, on free
 * ports and a fresh data directory), then the README's own commands — read from its "Quick start"
 * section, run with bash as written but for the two port numbers — and what the README says they
 * show: the district, the leak and the kettle with their rules, meters and timing (in the demo's
 * own time, from its log and the alerts, never the wall clock), the savings, the ids of the
 * alerts acted on, the answers to readings that do not count. When the README changes, this
 * test reads the change; when what it promises stops being true, this test fails.
 *
 * What `npm start` runs here is the demo: 14 months of history through the broker, then live; this
 * test is also the demo's own (its history dense enough that no meter looks offline, the savings
 * of the campaign school and of the others, the ranking, the readiness checklists).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { withDatabase } from '../helpers/app-store.js'
import { requireBinary } from '../helpers/binaries.js'
import { freePort, waitFor } from '../helpers/ports.js'
import { getJson } from '../helpers/service.js'

const ROOT = join(import.meta.dirname, '../..')
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')
const MINUTE = 60_000
/** Generous: the history takes about a minute alone, several minutes beside the rest of the suite. */
const HISTORY_TIMEOUT_MS = 12 * MINUTE

/** The "Quick start" section: its prose, and its ```sh blocks in order. */
function quickStart(): { prose: string; blocks: string[] } {
  const start = README.indexOf('\n## Quick start\n')
  const end = README.indexOf('\n## ', start + 1)
  expect(start, 'README.md has a "Quick start" section').toBeGreaterThan(0)
  const text = README.slice(start, end)
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!)
  return { prose: text.replace(/```sh\n[\s\S]*?```/g, '').replace(/\s+/g, ' '), blocks }
}

/** A block's commands, continued lines joined, blank lines dropped (comments stay: bash reads them). */
function commands(block: string): string[] {
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '')
}

/** A fact the README states, by the pattern that finds it; the test fails if the README stops saying it. */
function stated(prose: string, pattern: RegExp, what: string): RegExpExecArray {
  const m = pattern.exec(prose)
  expect(m, `README.md's quick start no longer says ${what} (${pattern})`).not.toBeNull()
  return m!
}

const WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5 }

interface Ports {
  http: number
  mqtt: number
}

/** The README's commands for these ports: the only change made to them. */
function onPorts(text: string, p: Ports): string {
  return text.replaceAll('localhost:8080', `localhost:${p.http}`).replaceAll('-p 1883', `-p ${p.mqtt}`)
}

const run = promisify(execFile)
const children: ChildProcess[] = []

/** A long-running command (npm start, mosquitto_sub) in its own process group, its output kept. */
function background(command: string, env: NodeJS.ProcessEnv): { proc: ChildProcess; output: () => string } {
  let out = ''
  const proc = spawn('bash', ['-c', command], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
  })
  proc.stderr!.on('data', (d: Buffer) => {
    out += d.toString()
  })
  children.push(proc)
  return { proc, output: () => out }
}

/** Signals the command's process group; resolves when every process of it has closed its output. */
function stopGroup(proc: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve(proc.exitCode)
    proc.once('close', (code) => resolve(code))
    try {
      process.kill(-proc.pid!, signal)
    } catch {
      resolve(proc.exitCode)
    }
  })
}

/** Runs a block's commands in one bash (their variables carry on), the output of each command apart. */
async function runBlock(block: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const list = commands(block)
  const script = list.map((c, i) => `printf '\\n@@%s@@\\n' ${i}\n${c}`).join('\n')
  const { stdout } = await run('bash', ['-c', script], { cwd: ROOT, env, maxBuffer: 32 * 1024 * 1024 })
  const outputs: string[] = []
  const parts = stdout.split(/\n@@(\d+)@@\n/)
  for (let i = 1; i < parts.length; i += 2) outputs[Number(parts[i])] = parts[i + 1]!.trim()
  expect(outputs.length, `every command of\n${block}\nran`).toBe(list.length)
  return outputs
}

/** JSON log lines of the service. */
function logLines(output: string): { time: number; msg: string }[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { time: number; msg: string })
}

/** `topic payload` lines of `mosquitto_sub -v`. */
function messages<T>(output: string): { topic: string; payload: T }[] {
  return output
    .split('\n')
    .filter((l) => l.includes(' {'))
    .map((l) => ({
      topic: l.slice(0, l.indexOf(' ')),
      payload: JSON.parse(l.slice(l.indexOf(' ') + 1)) as T,
    }))
}

interface AlertMessage {
  id: number
  rule: string
  meter: string
  status: string
  transition: string
  openedAt: string
}

interface Answer {
  topic: string
  reason: string
  meter?: string
  payload: string
  latest?: string
  watermark?: string
  stored?: boolean
}

afterAll(async () => {
  for (const c of children) await stopGroup(c, 'SIGKILL')
})

describe('README.md, quick start', () => {
  it(
    'works as written: the demo district, its leak and kettle on time, savings, ids looked up, readings answered',
    async () => {
      requireBinary('mosquitto_pub', 'mosquitto-clients')
      requireBinary('mosquitto_sub', 'mosquitto-clients')
      requireBinary('curl', 'curl')
      const { prose, blocks } = quickStart()

      // What the README says, read from it.
      const district = stated(
        prose,
        /the bundled demo district \((\w+) schools, (\d+) meters\)/,
        'the size of the district',
      )
      const months = Number(stated(prose, /(\d+) months of history first/, 'how much history').at(1))
      const leak = stated(
        prose,
        /the dripping tap is an active `([\w.]+)` alert on `([\w-]+)`/,
        'the rule and meter of the leak',
      )
      const kettle = stated(
        prose,
        /The kettle shows as `([\w.]+)` on `([\w-]+)` once it has been on for a minute/,
        'the rule and meter of the kettle',
      )
      stated(
        prose,
        /a kettle switched on in dorm room A101 a minute after start, for three minutes/,
        'when the kettle goes on',
      )
      const campaign = stated(
        prose,
        /the boarding school \(`([\w-]+)`\) about (\d+) % below/,
        'the savings campaign',
      )
      stated(prose, /first in the district ranking/, 'the ranking')
      stated(
        prose,
        /alerts they raised there .* come\s+first in the numbering/s,
        'that the leak is not alert 1',
      )

      // The blocks, by what they do; a block the test cannot place is the README changing under it.
      const [install, ...rest] = blocks
      expect(install!.trim()).toBe('npm install && npm start')
      const watchers = rest.filter((b) => commands(b).every((c) => c.startsWith('mosquitto_sub ')))
      const archive = rest.filter((b) => b.includes('INFLUX_URL='))
      const [look, report, act, publish, ...unplaced] = rest.filter(
        (b) => !watchers.includes(b) && !archive.includes(b),
      )
      expect(unplaced, 'blocks of the quick start this test does not run').toEqual([])
      expect(watchers.map((b) => commands(b)[0])).toEqual([
        "mosquitto_sub -p 1883 -t 'schools/+/alerts' -v",
        "mosquitto_sub -p 1883 -t 'schools/+/rejected' -v",
      ])
      expect(look).toContain('/api/v1/schools')
      expect(report).toContain('npm run report')
      expect(act).toContain('/ack')
      expect(publish).toContain('mosquitto_pub')

      // npm start, as a new user runs it (npm install is what made node_modules here), on free
      // ports with a fresh ./data; JSON logs so that the test can read them.
      const ports: Ports = { http: await freePort(), mqtt: await freePort() }
      // (With `npm run test:postgres`, the app store on the suite's PostgreSQL, as DATABASE_URL says.)
      const env: NodeJS.ProcessEnv = await withDatabase({
        ...process.env,
        DATA_DIR: mkdtempSync(join(tmpdir(), 'schoolmeter-readme-')),
        HTTP_PORT: String(ports.http),
        MQTT_PORT: String(ports.mqtt),
        LOG_FORMAT: 'json',
      })
      for (const v of ['CONFIG', 'DEMO', 'LOCALE', 'INFLUX_URL', 'CI_SKIP']) delete env[v]
      const service = background(install!.trim().replace(/^npm install && /, ''), env)
      const log = () => logLines(service.output())
      const ready = await waitFor(
        'the service ready',
        () => {
          if (service.proc.exitCode !== null) throw new Error(`npm start exited:\n${service.output()}`)
          return log().find((l) => l.msg.startsWith('demo: simulating the demo district'))
        },
        2 * MINUTE,
        100,
      )
      // The second and fourth terminals.
      const [alertsWatch, rejectedWatch] = watchers.map((b) => background(onPorts(b.trim(), ports), env))
      await waitFor('the watchers subscribed', () =>
        alertsWatch!.proc.pid && rejectedWatch!.proc.pid ? true : undefined,
      )

      // The history goes in, the log counting it down; then live.
      const live = await waitFor(
        'the history in ("demo: … now live")',
        () => {
          if (service.proc.exitCode !== null) throw new Error(`npm start exited:\n${service.output()}`)
          return log().find((l) => l.msg.startsWith('demo: published'))
        },
        HISTORY_TIMEOUT_MS,
        250,
      )
      const countdown = log().filter((l) => l.msg.startsWith('demo: history'))
      expect(countdown.length, 'progress lines while the history goes in').toBeGreaterThan(0)
      expect(countdown.at(-1)!.msg).toMatch(
        /^demo: history \d+ % in \(up to \d{4}-\d\d-\d\d\), \d+ readings, \d+ readings\/s, about \d+ s left$/,
      )
      const days = Number(/published (\d+) days/.exec(live.msg)![1])
      expect(days / 30.44).toBeGreaterThanOrEqual(months)
      expect(days / 30.44).toBeLessThan(months + 1)

      // The third terminal, as soon as the history is in.
      const [schoolsOut, roomOut, activeOut] = await runBlock(onPorts(look!, ports), env)
      const schools = JSON.parse(schoolsOut!) as { id: string; meters: { total: number; ok: number } }[]
      expect(schools).toHaveLength(WORDS[district[1]!]!)
      expect(schools.reduce((n, s) => n + s.meters.total, 0)).toBe(Number(district[2]))
      for (const s of schools) expect(s.meters.ok, `${s.id}: every meter reporting`).toBe(s.meters.total)
      const room = JSON.parse(roomOut!) as { id: string; readings: number; lastReading: { ts: string } }
      expect(room.id).toBe('RM-E-A101')
      // Quarter-hourly for a year and more, every 10 s for the last 48 hours.
      expect(room.readings).toBeGreaterThanOrEqual(48 * 360 + 365 * 96)
      const active = JSON.parse(activeOut!) as {
        id: number
        rule: string
        meter: string
        status: string
        evidence: { leakLitresPerHour?: number }
      }[]
      const leakAlert = active.find((a) => a.rule === leak[1] && a.meter === leak[2])
      expect(leakAlert, `an active ${leak[1]} alert on ${leak[2]}`).toBeDefined()
      // The demo's tap drips 3 L/h, and that is what the alert measured.
      expect(leakAlert!.evidence.leakLitresPerHour).toBeGreaterThanOrEqual(3)
      // Dense enough that no meter looks offline anywhere in the history (a gap over 15 minutes would).
      const { body: offline } = await getJson(
        `http://127.0.0.1:${ports.http}/api/v1/alerts?rule=meter.offline`,
      )
      expect(offline).toEqual([])

      // The kettle: on a minute after start (the demo's clock: its start and its ground truth in the
      // log), its alert once it has been on for a minute (a reading every 10 s), out on MQTT.
      const kettleStart = Date.parse(/Kettle in room A101 on RM-E-A101 from ([^;\s]+)/.exec(live.msg)![1]!)
      expect(Math.abs(kettleStart - ready.time - MINUTE)).toBeLessThan(5000)
      const kettleAlert = await waitFor(
        `the ${kettle[1]} alert on ${kettle[2]} in the second terminal`,
        () =>
          messages<AlertMessage>(alertsWatch!.output()).find(
            (m) =>
              m.payload.rule === kettle[1] &&
              m.payload.meter === kettle[2] &&
              m.payload.transition === 'opened' &&
              Date.parse(m.payload.openedAt) >= kettleStart,
          ),
        HISTORY_TIMEOUT_MS,
        250,
      )
      expect(kettleAlert.topic).toBe('schools/riverside-middle/alerts')
      const onFor = Date.parse(kettleAlert.payload.openedAt) - kettleStart
      expect(onFor).toBeGreaterThanOrEqual(MINUTE)
      expect(onFor).toBeLessThanOrEqual(MINUTE + 30_000)

      // Savings: the campaign school about 10 % below its baseline's prediction, first in the ranking.
      const [monthOut, reportOut, rankingOut, readinessOut] = await runBlock(onPorts(report!, ports), env)
      expect(monthOut).toBe('')
      const target = Number(campaign[2])
      const rows = reportOut!
        .split('\n')
        .map((l) =>
          /^(.+) (用水|用电|供热)：节约 (-?[\d.]+)%（90% 置信区间 (-?[\d.]+) … (-?[\d.]+)%）/.exec(l),
        )
        .filter((m) => m !== null)
        .map((m) => ({
          name: m[1]!,
          utility: m[2]!,
          pct: Number(m[3]),
          low: Number(m[4]),
          high: Number(m[5]),
        }))
      expect(rows, `every school and utility in\n${reportOut}`).toHaveLength(9)
      for (const r of rows) {
        const expected = r.name.includes('Riverside') ? target : 0
        const figure = `${r.name} ${r.utility}: ${r.pct} (${r.low} … ${r.high})`
        // Heat fits the simulated buildings more loosely: its 90 % interval holds the truth.
        if (r.utility === '供热') {
          expect(r.low, figure).toBeLessThanOrEqual(expected)
          expect(r.high, figure).toBeGreaterThanOrEqual(expected)
        } else expect(Math.abs(r.pct - expected), figure).toBeLessThanOrEqual(3)
        expect(r.low).toBeLessThan(r.pct)
        expect(r.high).toBeGreaterThan(r.pct)
      }
      const ranking = JSON.parse(rankingOut!) as { rank: number; school: string }[]
      expect(ranking[0]).toMatchObject({ rank: 1, school: campaign[1] })
      const readiness = JSON.parse(readinessOut!) as { school: string; checks: unknown[] }[]
      expect(readiness.map((r) => r.school)).toEqual(schools.map((s) => s.id))
      for (const r of readiness) expect(r.checks.length).toBeGreaterThanOrEqual(2)

      // Acting on the leak: its id looked up, not alert 1; each step answered and published.
      const [lookup, said, ackOut, resolveOut] = await runBlock(onPorts(act!, ports), env)
      expect(lookup).toBe('')
      const id = Number(/^the leak is alert (\d+)$/.exec(said!)?.[1])
      expect(id).toBe(leakAlert!.id)
      // The history's alerts come first: the leak is not alert 1.
      expect(id).toBeGreaterThan(1)
      expect(JSON.parse(ackOut!)).toMatchObject({
        id,
        rule: leak[1],
        meter: leak[2],
        status: 'acknowledged',
        acknowledgedBy: 'Li (maintenance)',
      })
      expect(JSON.parse(resolveOut!)).toMatchObject({
        id,
        status: 'resolved',
        resolvedBy: 'Li',
        note: 'washer replaced',
      })
      await waitFor('the leak taken on and resolved, in the second terminal', () => {
        const seen = messages<AlertMessage>(alertsWatch!.output())
          .filter((m) => m.payload.id === id && m.topic === 'schools/sunshine-primary/alerts')
          .map((m) => m.payload.transition)
        return seen.includes('acknowledged') && seen.includes('resolved') ? true : undefined
      })

      // A reading of one's own, then a duplicate, a late one and one for a meter the school lacks.
      const [register, reading, sent, meterOut, ...published] = await runBlock(onPorts(publish!, ports), env)
      expect([register, reading, sent, ...published]).toEqual(['', '', '', '', '', ''])
      const answers = await waitFor(
        'three answers in the fourth terminal',
        () => {
          const seen = messages<Answer>(rejectedWatch!.output())
          return seen.length >= 3 ? seen : undefined
        },
        30_000,
      )
      expect(answers.map((a) => [a.topic, a.payload.reason])).toEqual([
        ['schools/sunshine-primary/rejected', 'duplicate'],
        ['schools/sunshine-primary/rejected', 'late'],
        ['schools/sunshine-primary/rejected', 'unknown_meter'],
      ])
      const [duplicate, late] = answers.map((a) => a.payload)
      const mine = JSON.parse(duplicate!.payload) as { ts: string; volume_m3: number; flow_lpm: number }
      const meter = JSON.parse(meterOut!) as { lastReading: { ts: string; values: Record<string, number> } }
      expect(Date.parse(meter.lastReading.ts)).toBe(Date.parse(mine.ts))
      expect(meter.lastReading.values).toEqual({ volume_m3: mine.volume_m3, flow_lpm: 3.2 })
      expect(duplicate).toMatchObject({ meter: 'SP-W-MAIN', stored: false })
      expect(late).toMatchObject({ meter: 'SP-W-MAIN', stored: true })
      for (const a of [duplicate!, late!]) {
        // The newest reading is the one sent; readings up to about 10 minutes before it still count.
        expect(Date.parse(a.latest!)).toBe(Date.parse(mine.ts))
        const behind = Date.parse(a.latest!) - Date.parse(a.watermark!)
        expect(behind).toBeGreaterThan(8 * MINUTE)
        expect(behind).toBeLessThanOrEqual(10 * MINUTE)
      }
      // "One from an hour ago": stamped a moment after the reading sent first.
      const hourAgo = Date.parse(mine.ts) - Date.parse(JSON.parse(late!.payload).ts)
      expect(hourAgo).toBeGreaterThan(59 * MINUTE)
      expect(hourAgo).toBeLessThan(60 * MINUTE + 1000)

      // Ctrl-C (SIGINT to the foreground process group: npm and the service): a clean stop. npm's
      // own exit status on a signal is npm's business; the service says it stopped.
      await stopGroup(service.proc, 'SIGINT')
      expect(log().at(-1)!.msg, `the service's last output:\n${service.output().slice(-4000)}`).toBe(
        'schoolmeter stopped',
      )
    },
    30 * MINUTE,
  )
})

describe('README.md, production', () => {
  it('gives the order the containers need — API token, gateway login, then up — with commands that work', async () => {
    const start = README.indexOf('\n## Production\n')
    const section = README.slice(start, README.indexOf('\n## ', start + 1))
    const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1]
    expect(block, 'a command block in "Production"').toBeDefined()
    const lines = commands(block!).filter((l) => !l.trim().startsWith('#'))
    const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l))
    const token = at(/admin\.js token add/)
    const gateway = at(/admin\.js gateway add/)
    const upAt = at(/^docker compose up -d/)
    expect(at(/^cp \.env\.example \.env$/)).toBe(0)
    expect(at(/^docker compose build schoolmeter/)).toBeLessThan(token)
    expect(token).toBeGreaterThan(0)
    expect(gateway).toBeGreaterThan(token)
    expect(upAt).toBeGreaterThan(gateway)

    // What `docker compose run … schoolmeter` runs: the image's dist/app/admin.js, compiled from
    // app/admin.ts, with the environment the compose file gives the service.
    const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { environment: Record<string, string> }>
    }
    const environment = compose.services.schoolmeter!.environment
    expect(environment).toMatchObject({
      HTTP_HOST: '0.0.0.0',
      MQTT_HOST: '0.0.0.0',
      CONFIG: '/config/district.yaml',
    })
    expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toContain('CMD ["node", "dist/app/main.js"]')
    const container = await withDatabase({
      ...process.env,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'schoolmeter-production-')),
      // The demo district, as DISTRICT_CONFIG is until .env names another.
      CONFIG: join(ROOT, 'core/demo/district.yaml'),
      HTTP_HOST: environment.HTTP_HOST,
      MQTT_HOST: environment.MQTT_HOST,
      HTTP_PORT: String(await freePort()),
      MQTT_PORT: String(await freePort()),
      DEMO: '0',
      LOCALE: 'en',
      LOG_FORMAT: 'json',
    })
    const service = () =>
      run(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
        cwd: ROOT,
        env: container,
        timeout: 60_000,
      })
    const admin = (line: string) => {
      const args = /node dist\/app\/admin\.js (.*)$/.exec(line)![1]!.split(/\s+/)
      return run(process.execPath, ['--import', 'tsx', 'app/admin.ts', ...args], {
        cwd: ROOT,
        env: container,
      })
    }

    // Up before the token: refused, with the command to run.
    const refused = await service().catch((err: { code: number; stderr: string }) => err)
    expect(refused).toMatchObject({ code: 2 })
    expect((refused as { stderr: string }).stderr).toMatch(
      /npm run admin -- token add --role admin --name ops/,
    )
    // The token, then up before the gateway login: still refused, for the broker.
    expect((await admin(lines[token]!)).stdout).toMatch(/smt_[0-9a-f]+_\S+/)
    const noGateway = await service().catch((err: { code: number; stderr: string }) => err)
    expect(noGateway).toMatchObject({ code: 2 })
    expect((noGateway as { stderr: string }).stderr).toMatch(/gateway add <username> --school <school>/)
    // The gateway login, then up: it runs.
    expect((await admin(lines[gateway]!)).stdout).toContain('gw-1')
    const up = background(`exec node --import tsx app/main.ts`, container)
    const healthy = await waitFor(
      'the service up',
      async () => {
        if (up.proc.exitCode !== null) throw new Error(`it exited:\n${up.output()}`)
        const res = await fetch(`http://127.0.0.1:${container.HTTP_PORT}/health`).catch(() => undefined)
        return res?.status
      },
      60_000,
      100,
    )
    expect(healthy).toBe(200)
    expect(await stopGroup(up.proc, 'SIGTERM')).toBe(0)
  }, 180_000)
})
