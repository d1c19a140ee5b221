/** `npm start`: read the environment, start the service, stop cleanly on SIGINT/SIGTERM. */
import { resolve } from 'node:path'
import { readEnv } from '../core/config/env.js'
import { ConfigError } from '../core/errors.js'
import { formatNumber, negotiate, t } from '../core/i18n/index.js'
import { diskFull } from './disk.js'
import { startService } from './service.js'

const STOP_TIMEOUT_MS = 30_000

async function main(): Promise<void> {
  const env = readEnv()
  const service = await startService(env)
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    service.log.info(`${signal}: stopping (flushing batches, closing the broker)`)
    const force = setTimeout(() => {
      service.log.error('could not stop within 30 s; exiting anyway (unsent batches stay in the spool)')
      process.exit(1)
    }, STOP_TIMEOUT_MS)
    force.unref()
    service.stop().then(
      () => process.exit(0),
      (err) => {
        service.log.error({ err }, 'error while stopping')
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    console.error(`schoolmeter cannot start: ${err.message}`)
    process.exit(2)
  }
  if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    const e = err as NodeJS.ErrnoException & { port?: number }
    console.error(
      `schoolmeter cannot start: port ${e.port ?? ''} is already in use. Stop what holds it or set HTTP_PORT / MQTT_PORT.`,
    )
    process.exit(2)
  }
  const dataDir = resolve(process.env.DATA_DIR || './data')
  const full = diskFull(err, dataDir)
  if (full) {
    // A person reads this one, in the language of their terminal (zh-CN unless it says English).
    const locale = negotiate(
      (process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || '')
        .replace(/_/g, '-')
        .split('.')[0],
    )
    const free = `${formatNumber(locale, full.freeBytes / 2 ** 20, 1)} MiB`
    console.error(t(locale, 'security.startup.diskFull', { path: dataDir, free }))
    process.exit(1)
  }
  console.error('schoolmeter cannot start:', err)
  process.exit(1)
})
