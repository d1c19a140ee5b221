/** `npm start`: read the environment, start the service, stop cleanly on SIGINT/SIGTERM. */
import { resolve } from 'node:path'
import { toolCommandLine } from '../core/cli.js'
import { describeUnknownVariables, readEnv, unknownVariables } from '../core/config/env.js'
import { startupLocale } from '../core/config/load.js'
import { SchoolmeterError } from '../core/errors.js'
import { formatNumber, type Locale, t } from '../core/i18n/index.js'
import { diskFull } from './disk.js'
import { createLogger } from './log.js'
import { startService } from './service.js'

const STOP_TIMEOUT_MS = 30_000

async function main(): Promise<void> {
  // No options: everything is an environment variable. `npm start -- --help` says so.
  toolCommandLine(
    { options: { help: { type: 'boolean', short: 'h' } } },
    { script: 'start', usage: 'start.cli.usage', locale: startupLocale() },
  )
  const env = readEnv()
  const log = createLogger(env)
  // A misspelt variable would otherwise be ignored without a word.
  const unknown = unknownVariables()
  if (unknown.length) log.warn({ variables: unknown }, describeUnknownVariables('en', unknown))
  const service = await startService(env, {
    log,
    // A lost shard lease: a standby may take the shard any moment now. Exit at once, as a crash
    // would (the journal makes that safe); the orchestrator restarts this process as the standby.
    onShardLost: () => process.exit(3),
  })
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

/** Why the service could not start, in a sentence for `locale`; undefined for the unforeseen. */
function reason(locale: Locale, err: unknown): string | undefined {
  if (err instanceof SchoolmeterError) return err.text(locale)
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string }
  const port = String(e.port ?? '')
  switch (e.code) {
    case 'EADDRINUSE':
      return t(locale, 'startup.portInUse', { port })
    case 'EADDRNOTAVAIL':
      return t(locale, 'startup.addressMissing', { address: e.address ?? '' })
    case 'EACCES':
    case 'EPERM':
      if (e.port !== undefined) return t(locale, 'startup.portDenied', { port })
      if (e.path) return t(locale, 'startup.pathDenied', { path: e.path })
      return undefined
    default:
      return undefined
  }
}

main().catch((err) => {
  // Said to the person starting the service, in the district's language (or LOCALE's).
  const locale = startupLocale()
  const why = reason(locale, err)
  if (why !== undefined) {
    console.error(t(locale, 'startup.cannotStart', { reason: why }))
    process.exit(2)
  }
  const dataDir = resolve(process.env.DATA_DIR || './data')
  const full = diskFull(err, dataDir)
  if (full) {
    const free = `${formatNumber(locale, full.freeBytes / 2 ** 20, 1)} MiB`
    console.error(t(locale, 'security.startup.diskFull', { path: dataDir, free }))
    process.exit(1)
  }
  console.error(t(locale, 'startup.cannotStart', { reason: '' }), err)
  process.exit(1)
})
