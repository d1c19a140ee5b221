/**
 * `npm run admin -- <area> <command> …`: manage who may publish (gateway credentials) and who
 * may act through the API (tokens). Works on the SQLite store in DATA_DIR; a running service
 * sees changes at once (it reads the store on every connection and request).
 */
import { ConfigError, SchoolmeterError } from '../core/errors.js'

interface Area {
  describe: string
  run(args: string[]): Promise<void>
}

const AREAS: Record<string, () => Promise<Area>> = {
  gateway: async () => (await import('./admin/gateways.js')).gatewayArea,
  token: async () => (await import('./admin/tokens.js')).tokenArea,
}

function usage(): string {
  return [
    'usage: npm run admin -- <area> <command> [options]',
    '',
    'areas:',
    '  gateway   MQTT credentials of gateways (add, set, rotate, revoke, list)',
    '  token     API bearer tokens (add, rotate, revoke, list)',
    '',
    'Run `npm run admin -- <area> --help` for the commands of an area.',
    'The store is DATA_DIR (default ./data), as for the service.',
  ].join('\n')
}

async function main(argv: string[]): Promise<void> {
  const [area, ...rest] = argv
  if (!area || area === '--help' || area === '-h' || area === 'help') {
    console.log(usage())
    return
  }
  const load = AREAS[area]
  if (!load) {
    console.error(`unknown area "${area}"\n\n${usage()}`)
    process.exitCode = 2
    return
  }
  await (await load()).run(rest)
}

main(process.argv.slice(2)).catch((err) => {
  if (err instanceof ConfigError || err instanceof SchoolmeterError) {
    console.error(err.message)
    process.exitCode = 2
    return
  }
  console.error(err)
  process.exitCode = 1
})
