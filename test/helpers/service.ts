import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectAsync, type MqttClient } from 'mqtt'
import { type Service, type StartOptions, startService } from '../../app/service.js'
import { readEnv } from '../../core/config/env.js'
import { databaseFor } from './app-store.js'
import { testLog } from './log.js'
import { TEST_CONFIG } from './registry.js'

export interface TestServiceOptions extends StartOptions {
  config?: string
  env?: Record<string, string>
  dataDir?: string
}

/**
 * The whole service in-process on free ports, with a temp DATA_DIR and a test registry; its app
 * store on the suite's PostgreSQL when the suite runs on it (test/helpers/app-store.ts).
 */
export async function startTestService(o: TestServiceOptions = {}): Promise<Service & { dataDir: string }> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'schoolmeter-svc-'))
  const configFile = join(dataDir, 'district.yaml')
  writeFileSync(configFile, o.config ?? TEST_CONFIG)
  const database = o.env?.DATABASE_URL === undefined ? await databaseFor(dataDir) : undefined
  const env = readEnv({
    CONFIG: configFile,
    DATA_DIR: dataDir,
    HTTP_PORT: '0',
    MQTT_PORT: '0',
    DEMO: '0',
    INFLUX_FLUSH_MS: '50',
    ...(database === undefined ? {} : { DATABASE_URL: database }),
    ...o.env,
  })
  const service = await startService(env, { log: o.log ?? testLog, ...(o.now ? { now: o.now } : {}) })
  return Object.assign(service, { dataDir })
}

export async function mqttClient(url: string, clientId?: string): Promise<MqttClient> {
  return connectAsync(url, { ...(clientId ? { clientId } : {}), reconnectPeriod: 0 })
}

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
export async function getJson<T = any>(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: T }> {
  const res = await fetch(url, init)
  return { status: res.status, body: (await res.json()) as T }
}

/** The value of a Prometheus sample, e.g. metric(text, 'schoolmeter_readings_rejected_total{reason="bad_json"}'). */
export function metricValue(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `))
  return line ? Number(line.slice(sample.length + 1)) : 0
}
