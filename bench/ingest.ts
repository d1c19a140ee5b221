/**
 * First throughput figure: single-reading MQTT messages → the service (a separate process, as
 * in production, embedded broker) → InfluxDB 1.x. Reports how fast readings are accepted and
 * how fast they are queryable in InfluxDB, each as a median over several runs.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectAsync } from 'mqtt'
import { startInfluxd } from '../test/helpers/influxd.js'
import { freePort, waitFor } from '../test/helpers/ports.js'
import { bulkConfig } from '../test/helpers/registry.js'
import { metricValue } from '../test/helpers/service.js'

export interface IngestBenchOptions {
  meters: number
  messages: number
  runs: number
  qos: 0 | 1
}

export interface IngestRun {
  messages: number
  acceptedPerSecond: number
  storedPerSecond: number
  publishSeconds: number
  storedSeconds: number
  serviceRssMiB: number
}

async function startServiceProcess(
  env: Record<string, string>,
): Promise<{ proc: ChildProcess; stop(): Promise<void> }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    env: { ...process.env, ...env, LOG_FORMAT: 'json', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  return {
    proc,
    stop: async () => {
      if (proc.exitCode !== null) return
      const exited = new Promise((r) => proc.once('exit', r))
      proc.kill('SIGTERM')
      await exited
    },
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export async function benchIngest(
  o: IngestBenchOptions,
): Promise<{ runs: IngestRun[]; median: Omit<IngestRun, 'messages'> }> {
  const influx = await startInfluxd()
  const runs: IngestRun[] = []
  try {
    for (let run = 0; run < o.runs; run++) {
      const dataDir = mkdtempSync(join(tmpdir(), 'schoolmeter-bench-'))
      const config = join(dataDir, 'district.yaml')
      writeFileSync(config, bulkConfig(o.meters))
      const httpPort = await freePort()
      const mqttPort = await freePort()
      const db = `bench${run}`
      const svc = await startServiceProcess({
        CONFIG: config,
        DATA_DIR: dataDir,
        HTTP_PORT: String(httpPort),
        MQTT_PORT: String(mqttPort),
        INFLUX_URL: influx.url,
        INFLUX_DATABASE: db,
        DEMO: '0',
      })
      const api = `http://127.0.0.1:${httpPort}`
      try {
        await waitFor(
          'service',
          async () => ((await fetch(`${api}/health`)).status === 200 ? true : undefined),
          30_000,
        )
        const client = await connectAsync(`mqtt://127.0.0.1:${mqttPort}`)
        const t0 = Date.parse('2026-01-01T00:00:00Z')
        const started = performance.now()
        const pending: Promise<unknown>[] = []
        for (let i = 0; i < o.messages; i++) {
          const meter = i % o.meters
          const step = Math.floor(i / o.meters)
          const payload = `{"ts":${t0 + step * 60_000},"volume_m3":${(100 + step * 0.01).toFixed(2)},"flow_lpm":${(i % 17) / 2}}`
          const p = new Promise<void>((resolve, reject) =>
            client.publish(`schools/bulk-school/meters/BW${meter}`, payload, { qos: o.qos }, (err) =>
              err ? reject(err) : resolve(),
            ),
          )
          if (o.qos > 0) pending.push(p)
          // Wait for the socket every thousand messages, as a well-behaved gateway would: mqtt.js
          // otherwise piles up a drain listener per message.
          if (i % 1000 === 999) await p
        }
        await Promise.all(pending)
        const published = performance.now()
        await waitFor(
          'all readings accepted',
          async () => {
            const m = await (await fetch(`${api}/metrics`)).text()
            return metricValue(m, 'schoolmeter_readings_accepted_total') >= o.messages ? true : undefined
          },
          300_000,
          20,
        )
        const accepted = performance.now()
        await waitFor(
          'all readings in InfluxDB',
          async () => ((await influx.count(db, 'water', 'volume_m3')) >= o.messages ? true : undefined),
          300_000,
          100,
        )
        const stored = performance.now()
        const metrics = await (await fetch(`${api}/metrics`)).text()
        await client.endAsync()
        runs.push({
          messages: o.messages,
          acceptedPerSecond: Math.round(o.messages / ((accepted - started) / 1000)),
          storedPerSecond: Math.round(o.messages / ((stored - started) / 1000)),
          publishSeconds: +((published - started) / 1000).toFixed(2),
          storedSeconds: +((stored - started) / 1000).toFixed(2),
          serviceRssMiB: Math.round(
            metricValue(metrics, 'schoolmeter_process_resident_memory_bytes') / 2 ** 20,
          ),
        })
        const stored_ = await influx.count(db, 'water', 'volume_m3')
        if (stored_ !== o.messages)
          throw new Error(`expected ${o.messages} points in InfluxDB, found ${stored_}`)
      } finally {
        await svc.stop()
        rmSync(dataDir, { recursive: true, force: true })
      }
    }
  } finally {
    await influx.destroy()
  }
  return {
    runs,
    median: {
      acceptedPerSecond: median(runs.map((r) => r.acceptedPerSecond)),
      storedPerSecond: median(runs.map((r) => r.storedPerSecond)),
      publishSeconds: median(runs.map((r) => r.publishSeconds)),
      storedSeconds: median(runs.map((r) => r.storedSeconds)),
      serviceRssMiB: median(runs.map((r) => r.serviceRssMiB)),
    },
  }
}
