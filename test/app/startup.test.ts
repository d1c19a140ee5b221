/**
 * What a person reads when `npm start` cannot start, or starts with a variable it does not know:
 * `node --import tsx app/main.ts` as a real child process, its stderr and log as printed.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { killChildren, startChild, stopChild } from '../helpers/child.js'
import { freePort } from '../helpers/ports.js'

/** Runs the service until it exits by itself; its exit code and everything it printed. */
function runToExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
      env: { ...process.env, LOG_FORMAT: 'json', DEMO: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    proc.once('exit', (code) => resolve({ code, stderr }))
  })
}

const dataDir = () => mkdtempSync(join(tmpdir(), 'schoolmeter-startup-'))

afterEach(killChildren)

describe('a service that cannot start says why, in a sentence of the district language', () => {
  it('a port out of range: Chinese for the demo district, English with LOCALE=en', async () => {
    const zh = await runToExit({ HTTP_PORT: '99999', DATA_DIR: dataDir() })
    expect(zh.code).toBe(2)
    expect(zh.stderr.trim()).toBe(
      'schoolmeter 无法启动：配置有误（环境变量）：\n  - HTTP_PORT：当前为 99999，应为不大于 65535 的数',
    )
    const en = await runToExit({ HTTP_PORT: '99999', DATA_DIR: dataDir(), LOCALE: 'en' })
    expect(en.code).toBe(2)
    expect(en.stderr.trim()).toBe(
      'schoolmeter cannot start: invalid configuration in the environment:\n  - HTTP_PORT: got 99999; expected a number of at most 65535',
    )
  }, 60_000)

  it('a port already taken', async () => {
    const taken = createServer()
    const port = await freePort()
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve))
    try {
      const out = await runToExit({
        HTTP_PORT: String(port),
        MQTT_PORT: String(await freePort()),
        DATA_DIR: dataDir(),
        LOCALE: 'en',
      })
      expect(out.code).toBe(2)
      expect(out.stderr).toContain(
        `schoolmeter cannot start: port ${port} is already in use. Stop what holds it, or set HTTP_PORT / MQTT_PORT to another port.`,
      )
    } finally {
      taken.close()
    }
  }, 60_000)
})

describe('a variable that looks like schoolmeter’s but is not', () => {
  it('is named at start-up, with the variable meant, in one log line', async () => {
    const child = await startChild({
      HTTP_PORT: String(await freePort()),
      MQTT_PORT: String(await freePort()),
      DATA_DIR: dataDir(),
      DEMO: '0',
      HTTP_PROT: '8081',
      INFLUX_UR: 'http://localhost:8086',
    })
    try {
      const warning = child
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level: number; msg: string; variables?: unknown })
        .find((l) => l.variables)
      expect(warning?.level).toBe(40)
      expect(warning?.msg).toBe(
        "The environment variables HTTP_PROT (did you mean HTTP_PORT?), INFLUX_UR (did you mean INFLUX_URL?) are not schoolmeter's and are ignored; docs/configuration.md lists every variable.",
      )
    } finally {
      expect(await stopChild(child)).toBe(0)
    }
  }, 60_000)
})
