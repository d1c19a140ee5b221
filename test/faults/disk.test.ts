/**
 * A full disk, for real: DATA_DIR on a small tmpfs mounted for the test (root, as CI runs), the
 * service as a child process against a real influxd, gateways publishing at QoS 1. The disk is
 * filled under load and emptied again; the service must not crash, must stop acknowledging, must
 * say so on /health, and must carry on by itself, losing nothing it acknowledged. A start on a
 * full disk says so in one sentence.
 */
import { execFileSync, spawn } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectAsync } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { killChildren, QosLoad, startChild, stopChild } from '../helpers/child.js'
import { type Influxd, startInfluxd } from '../helpers/influxd.js'
import { freePort, waitFor } from '../helpers/ports.js'
import { bulkConfig } from '../helpers/registry.js'

const METERS = Array.from({ length: 20 }, (_, i) => `BW${i}`)
const SCHOOL = 'bulk-school'
const mounted: string[] = []

interface HealthBody {
  failing: string[]
  parts: { ingest: { ok: boolean; detail: string } }
  message?: string
}

/** A tmpfs of `mib` MiB at a new folder. Needs root (CI runs as root); fails rather than skips under CI. */
function tmpfs(mib: number): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-disk-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m`, 'tmpfs', dir], { stdio: 'pipe' })
  } catch (err) {
    if (process.env.CI) throw err
    return undefined
  }
  mounted.push(dir)
  return dir
}

/** Fills the file system holding `dir` to the last byte; returns the filler's path. */
function fill(dir: string): string {
  const filler = join(dir, 'filler')
  const fd = openSync(filler, 'a')
  try {
    for (const size of [1 << 20, 1 << 12, 1]) {
      const chunk = Buffer.alloc(size, 0x55)
      for (;;) {
        try {
          writeSync(fd, chunk)
        } catch {
          break
        }
      }
    }
  } finally {
    closeSync(fd)
  }
  return filler
}

const canMount = (() => {
  const probe = tmpfs(1)
  if (!probe) return false
  execFileSync('umount', [probe])
  mounted.pop()
  return true
})()

let influx: Influxd
beforeAll(async () => {
  if (canMount) influx = await startInfluxd()
}, 60_000)
afterEach(() => killChildren())
afterAll(async () => {
  await influx?.destroy()
  for (const dir of mounted) {
    try {
      execFileSync('umount', [dir])
      rmSync(dir, { recursive: true, force: true })
    } catch {}
  }
})

async function setup(mib: number, db: string) {
  const disk = tmpfs(mib)!
  const dataDir = join(disk, 'data')
  const configDir = mkdtempSync(join(tmpdir(), 'schoolmeter-disk-config-'))
  writeFileSync(join(configDir, 'district.yaml'), bulkConfig(METERS.length, SCHOOL))
  const env = {
    CONFIG: join(configDir, 'district.yaml'),
    DATA_DIR: dataDir,
    DEMO: '0',
    HTTP_PORT: String(await freePort()),
    MQTT_PORT: String(await freePort()),
    INFLUX_URL: influx.url,
    INFLUX_DATABASE: db,
    INFLUX_FLUSH_MS: '200',
    CHECKPOINT_SECONDS: '1',
    MQTT_MAX_MESSAGES_PER_SECOND: '0',
  }
  return { disk, dataDir, env, api: `http://127.0.0.1:${env.HTTP_PORT}` }
}

describe.skipIf(!canMount)('a full disk (DATA_DIR on a tmpfs)', () => {
  it('under QoS 1 load: held back, not crashed, said on /health, resumed when space returns, nothing lost', async () => {
    const db = 'diskfull'
    const total = 20_000
    const { disk, dataDir, env, api } = await setup(32, db)
    const child = await startChild(env)
    const client = await connectAsync(`mqtt://127.0.0.1:${env.MQTT_PORT}`, {
      clientId: 'gw-disk',
      clean: false,
      reconnectPeriod: 200,
    })
    const load = new QosLoad(client, SCHOOL, METERS)
    const running = load.run(total, 2000)
    await waitFor('some readings', () => (load.acked >= 2000 ? true : undefined), 60_000, 20)
    const filler = fill(disk)
    const health = await waitFor(
      'health to say the disk is full',
      async () => {
        const res = await fetch(`${api}/health`, { headers: { 'accept-language': 'en' } })
        return res.status === 503 ? ((await res.json()) as HealthBody) : undefined
      },
      30_000,
      100,
    )
    expect(health.failing).toContain('ingest')
    expect(health.parts.ingest.detail).toMatch(/^disk full: cannot write /)
    expect(health.parts.ingest.detail).toContain(join(dataDir, 'journal'))
    expect(health.message).toContain(join(dataDir, 'journal'))
    expect(health.message).toMatch(/is full/)
    const zh = (await (
      await fetch(`${api}/health`, { headers: { 'accept-language': 'zh-CN' } })
    ).json()) as HealthBody
    expect(zh.message).toContain('磁盘已满')
    // Held back: acknowledgements stop while the service stays up — the gateway's whole window of
    // unacknowledged publishes waits, with no acknowledgement between two looks. Checkpoints delete
    // journal segments, so the disk is kept full as another writer would keep it.
    const hog = setInterval(() => fill(disk), 20)
    const held = load.acked
    try {
      let last = -1
      await waitFor(
        'every publish of the window held',
        () => {
          const still = load.inFlight === load.window && load.acked === last
          last = load.acked
          return still ? true : undefined
        },
        60_000,
        200,
      )
    } finally {
      clearInterval(hog)
    }
    expect(load.acked - held).toBeLessThan(500)
    expect(load.acked).toBeLessThan(total)
    expect(child.proc.exitCode).toBeNull()
    // Space comes back: the service carries on by itself.
    rmSync(filler)
    await running
    await load.settle()
    expect(load.acked).toBe(total)
    expect(child.proc.exitCode).toBeNull()
    const stored = await waitFor(
      'every reading in InfluxDB',
      async () => {
        const n = await influx.count(db, 'water', 'volume_m3')
        return n === total ? n : undefined
      },
      120_000,
      250,
    )
    await waitFor(
      'health to recover',
      async () => ((await fetch(`${api}/health`)).status === 200 ? true : undefined),
      30_000,
    )
    console.log(
      `FAULT ${JSON.stringify({
        fault: 'disk full (tmpfs) under QoS 1 load, then space freed',
        sent: load.sent,
        ackedWhenFull: held,
        acked: load.acked,
        stored,
        ackedButLost: load.acked - stored,
      })}`,
    )
    await client.endAsync()
    await stopChild(child)
  }, 300_000)

  it('a start on a full disk says so in one sentence', async () => {
    const { disk, dataDir, env } = await setup(4, 'diskfullstart')
    mkdirSync(dataDir)
    fill(disk)
    const out = await new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
        env: { ...process.env, ...env, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', LOCALE: 'en' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stderr = ''
      let stdout = ''
      proc.stderr.on('data', (d) => {
        stderr += d
      })
      proc.stdout.on('data', (d) => {
        stdout += d
      })
      proc.once('exit', (code) => resolve({ code, stderr, stdout }))
    })
    expect(out.code).toBe(1)
    expect(out.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^schoolmeter cannot start because the disk holding ${dataDir} is full \\([\\d.]+ MiB free\\); free some space there and start it again\\.$`,
        ),
      ),
    ])
  }, 60_000)
})
