/**
 * kill -9 in the middle of a leak's 24-hour window (event time): after a restart the alert still
 * opens exactly once, and a notification that could not be sent before the crash is sent once.
 * The service runs as a real child process; the webhook receiver is a real HTTP server.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GOLDEN_CONFIG, HOUR } from '../helpers/alerting.js'
import { withDatabase } from '../helpers/app-store.js'
import { MON } from '../helpers/golden.js'
import { freePort, waitFor } from '../helpers/ports.js'
import { getJson, metricValue, mqttClient } from '../helpers/service.js'

let hook: Server
let hookUrl: string
let hookUp = false
/** Requests the receiver refused while down. */
let refused = 0
const deliveries: { id: number; event: string }[] = []

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      if (!hookUp) {
        refused++
        return void res.writeHead(503).end()
      }
      const b = JSON.parse(body)
      deliveries.push({ id: b.incident.id, event: b.event })
      res.writeHead(200).end()
    })
  })
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r))
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/`
})
afterAll(() => new Promise<void>((r) => hook.close(() => r())))

async function start(env: Record<string, string>): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    env: await withDatabase({ ...process.env, ...env, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' }),
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  await waitFor(
    'the service',
    async () => ((await fetch(`http://127.0.0.1:${env.HTTP_PORT}/health`)).ok ? true : undefined),
    30_000,
    100,
  )
  return proc
}

function kill9(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    proc.once('exit', () => resolve())
    proc.kill('SIGKILL')
  })
}

describe('crash in the middle of a leak window', () => {
  it('opens the alert once and sends its notification once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'schoolmeter-crash-'))
    const config = join(dir, 'district.yaml')
    writeFileSync(
      config,
      GOLDEN_CONFIG.replace(
        '    notifications:\n',
        `    notifications:\n      webhooks: [{ url: "${hookUrl}", rules: [water.continuous_flow] }]\n`,
      ),
    )
    const env = {
      CONFIG: config,
      DATA_DIR: dir,
      DEMO: '0',
      HTTP_PORT: String(await freePort()),
      MQTT_PORT: String(await freePort()),
      // Longer than the test: rule state after a crash can only come from the journal.
      CHECKPOINT_SECONDS: '600',
    }
    const api = `http://127.0.0.1:${env.HTTP_PORT}`
    const publish = async (from: number, to: number) => {
      const c = await mqttClient(`mqtt://127.0.0.1:${env.MQTT_PORT}`)
      for (let i = from; i < to; i++) {
        await c.publishAsync(
          'schools/golden/meters/W-HOURLY',
          JSON.stringify({ ts: MON + i * HOUR, volume_m3: 10 + i * 0.003 }),
          { qos: 1 },
        )
      }
      await c.endAsync()
    }

    // Hours 0–12 of the window, then a crash as soon as the last one is acknowledged: before any
    // checkpoint, so the rule's state comes back from the journal.
    let proc = await start(env)
    await publish(0, 13)
    await kill9(proc)

    // Hours 13–26: the window completes at hour 24 and the alert opens — but the webhook is down.
    proc = await start(env)
    await publish(13, 27)
    const opened = await waitFor('the alert', async () => {
      const { body } = await getJson(`${api}/api/v1/alerts?rule=water.continuous_flow`)
      return body.length ? body : undefined
    })
    expect(opened).toHaveLength(1)
    expect(opened[0].openedAt).toBe('2026-11-17T00:00:00.000+08:00')
    await waitFor('an attempt the receiver refuses', () => (refused > 0 ? true : undefined))
    expect(deliveries).toEqual([])
    await kill9(proc)

    // The receiver is back; after the restart the notification goes out once, and only once.
    hookUp = true
    proc = await start(env)
    await waitFor('the delivery', () => (deliveries.length ? true : undefined), 30_000)
    await publish(27, 30)
    // Sent, and nothing else waiting in the outbox once the last readings are in: no second copy.
    await waitFor('an empty outbox', async () => {
      const text = await (await fetch(`${api}/metrics`)).text()
      return metricValue(text, 'schoolmeter_outbox_pending') === 0 ? true : undefined
    })
    const { body } = await getJson(`${api}/api/v1/alerts?rule=water.continuous_flow`)
    expect(body).toHaveLength(1)
    expect(deliveries).toEqual([{ id: body[0].incident, event: 'incident.opened' }])
    await kill9(proc)
  }, 90_000)
})
