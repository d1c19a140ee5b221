/**
 * `npm run admin -- <area> <command> …`: manage who may publish (gateway credentials), who may
 * act through the API (tokens) and who signs in to the web app (users), and move the app store to
 * PostgreSQL (store). Works on the store in DATA_DIR (its app store in DATABASE_URL when set); a
 * running service sees changes at once (it reads the store on every connection and request). Speaks the district's language, or LOCALE's.
 */
import { UsageError } from '../core/cli.js'
import { describeUnknownVariables, unknownVariables } from '../core/config/env.js'
import { startupLocale } from '../core/config/load.js'
import { SchoolmeterError } from '../core/errors.js'
import { type Locale, msg, t } from '../core/i18n/index.js'

export interface Area {
  run(args: string[], locale: Locale): Promise<void>
}

const AREAS: Record<string, () => Promise<Area>> = {
  gateway: async () => (await import('./admin/gateways.js')).gatewayArea,
  store: async () => (await import('./admin/store.js')).storeArea,
  token: async () => (await import('./admin/tokens.js')).tokenArea,
  user: async () => (await import('./admin/users.js')).userArea,
}

async function main(argv: string[], locale: Locale): Promise<void> {
  const [area, ...rest] = argv
  if (!area || area === '--help' || area === '-h' || area === 'help') {
    console.log(t(locale, 'admin.usage'))
    return
  }
  const load = AREAS[area]
  if (!load) throw new UsageError(msg('admin.unknownArea', { area }), 'admin.usage')
  await (await load()).run(rest, locale)
}

const locale = startupLocale()
const unknown = describeUnknownVariables(locale, unknownVariables())
if (unknown) console.error(unknown)
main(process.argv.slice(2), locale).catch((err) => {
  if (err instanceof UsageError) {
    console.error(err.explain(locale))
    process.exitCode = 2
    return
  }
  if (err instanceof SchoolmeterError) {
    console.error(err.text(locale))
    process.exitCode = 2
    return
  }
  console.error(err)
  process.exitCode = 1
})
