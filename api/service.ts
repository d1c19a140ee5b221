/**
 * The API part: the fastify server (server.ts, a plugin per resource) listening on HTTP_HOST and
 * HTTP_PORT, with the pages it is given (the web app) beside it. Started after every part it
 * reads, stopped first, so that nobody reads a half-stopped service as healthy.
 */
import { join } from 'node:path'
import { type Message, msg } from '../core/i18n/index.js'
import type { Store } from '../store/index.js'
import { type ApiDeps, buildApi, type PartHealth, type ServiceHealth } from './server.js'

/** What /health asks of the other parts. */
export interface PartsHealth {
  /** The broker and the journal; `message` is a sentence for people (a full disk). */
  ingest(): { part: PartHealth; message?: Message }
  /** InfluxDB's writer. */
  influx(): PartHealth
  /** Whether readings are archived at all. */
  archive: boolean
}

export interface ApiServiceOptions extends Omit<ApiDeps, 'health' | 'store'> {
  store: Store
  host: string
  port: number
  /** DATA_DIR: where /health says the store is. */
  dataDir: string
  parts: PartsHealth
}

export class ApiService {
  private app: Awaited<ReturnType<typeof buildApi>> | undefined

  constructor(private readonly o: ApiServiceOptions) {}

  async start(): Promise<void> {
    const { host, port, dataDir, parts, ...deps } = this.o
    const { security, log } = deps
    if (security?.anonymous === 'always' && !security.loopbackOnly)
      log.warn(`ALLOW_ANONYMOUS=1: the API on ${host} serves anyone without a token, with every right`)
    const app = await buildApi({ ...deps, health: () => this.health() })
    await app.listen({ port, host })
    this.app = app
  }

  async stop(): Promise<void> {
    await this.app?.close()
  }

  /** Where the API listens, e.g. http://127.0.0.1:8080 (once started). */
  get url(): string {
    const address = this.app?.server.address()
    const port = typeof address === 'object' && address ? address.port : this.o.port
    const host = this.o.host
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  }

  private async health(): Promise<ServiceHealth> {
    const { store, dataDir, parts } = this.o
    let storeHealth: PartHealth = {
      ok: true,
      detail: store.server
        ? msg('health.store.okServed', { file: join(dataDir, 'schoolmeter.db'), server: store.server })
        : msg('health.store.ok', { file: join(dataDir, 'schoolmeter.db') }),
    }
    try {
      await store.check()
    } catch (err) {
      storeHealth = { ok: false, detail: msg('health.store.failed', { error: (err as Error).message }) }
    }
    const influx = parts.influx()
    const ingest = parts.ingest()
    return {
      ingest: ingest.part,
      store: storeHealth,
      influx,
      archive: parts.archive,
      ...(ingest.message ? { message: ingest.message } : {}),
    }
  }
}
