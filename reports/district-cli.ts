/**
 * `npm run district -- <command>`: what the district office reports upward, from the app database
 * in DATA_DIR for the registry in CONFIG — beside a running service or without one. In the
 * district's language, LOCALE's, or --locale's.
 *
 *   subitems   use per energy category and electricity sub-item, per school or building
 *   package    the day's data package for the provincial energy platform
 *   quotas     each school's projection to the end of term against its quotas
 *   heating    classrooms below 18 °C in occupied heating hours, per school and week
 *   dossier    the PDF dossier of a resolved water incident
 */
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Calendars } from '../core/calendar.js'
import { parseCommandLine, UsageError } from '../core/cli.js'
import { describeUnknownVariables, readEnv, unknownVariables } from '../core/config/env.js'
import { DEMO_CONFIG_PATH, loadConfigFile, startupLocale } from '../core/config/load.js'
import { SchoolmeterError } from '../core/errors.js'
import { isLocale, LOCALES, type Locale, type MessageKey, msg, t } from '../core/i18n/index.js'
import type { Registry } from '../core/registry.js'
import { openConfiguredStore, type Store } from '../store/index.js'
import { addDays } from './daily.js'
import { dossierFacts, renderDossier } from './dossier.js'
import { heatingColumns, heatingHeadline, heatingWeek, mondayOf } from './heating.js'
import { renderHeatingPdf } from './heatingPdf.js'
import { buildPackage } from './platform/package.js'
import { QuotaProjections, quotaColumns } from './quotas.js'
import { sheetCsv, sheetTable } from './sheet.js'
import { SubItemReports, subItemColumns } from './subitems.js'

const USAGE: MessageKey = 'district.cli.usage'

interface Context {
  registry: Registry
  store: Store
  locale: Locale
  values: Record<string, string | boolean | undefined>
}

const refuse = (...sentence: Parameters<typeof msg>): never => {
  throw new UsageError(msg(...sentence), USAGE)
}

const COMMANDS: Record<string, (c: Context) => void | Promise<void>> = {
  async subitems({ registry, store, locale, values }) {
    const period = (values.month ?? values.date) as string | undefined
    if (!period || !/^\d{4}-\d{2}(-\d{2})?$/.test(period)) refuse('district.cli.needsPeriod')
    const school = values.school as string | undefined
    if (school && !registry.schools.has(school)) refuse('report.cli.unknownSchool', { school })
    const byBuilding = values['by-building'] === true
    const rows = await new SubItemReports({ registry, store }).report(period!, {
      ...(school ? { school } : {}),
      byBuilding,
    })
    const columns = subItemColumns(registry, byBuilding)
    if (values.csv) process.stdout.write(sheetCsv(rows, columns, locale))
    else console.log(sheetTable(rows, columns, locale))
  },

  async package({ registry, store, locale, values }) {
    const date = values.date as string | undefined
    if (!date) refuse('district.cli.needsDate')
    const pkg = await buildPackage({ registry, store, date: date!, locale })
    const file = join(resolve((values.out as string | undefined) ?? '.'), `${pkg.name}.zip`)
    writeFileSync(file, pkg.zip())
    if (pkg.uncoded.length > 0)
      console.error(
        t(locale, 'platform.uncoded', {
          count: pkg.uncoded.length,
          buildings: pkg.uncoded.map((u) => `${u.school}/${u.building}`),
        }),
      )
    console.log(t(locale, 'district.cli.written', { file }))
  },

  async quotas({ registry, store, locale, values }) {
    const only = values.school as string | undefined
    if (only && !registry.schools.has(only)) refuse('report.cli.unknownSchool', { school: only })
    const projections = new QuotaProjections({ store })
    const calendars = new Calendars()
    const rows = []
    for (const s of registry.schools.values()) {
      if (only && s.id !== only) continue
      const asOf = (values.date as string | undefined) ?? addDays(calendars.for(s).local(Date.now()).date, -1)
      rows.push(...(await projections.forSchool(s, asOf)))
    }
    if (rows.length === 0) return void console.log(t(locale, 'quota.none'))
    const columns = quotaColumns(registry)
    if (values.csv) process.stdout.write(sheetCsv(rows, columns, locale))
    else console.log(sheetTable(rows, columns, locale))
  },

  async heating({ registry, store, locale, values }) {
    const day = values.week as string | undefined
    if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) refuse('district.cli.needsWeek')
    const only = values.school as string | undefined
    if (only && !registry.schools.has(only)) refuse('report.cli.unknownSchool', { school: only })
    const week = mondayOf(day!)
    const schools = [...registry.schools.values()].filter((s) => !only || s.id === only)
    const weeks = []
    for (const school of schools) weeks.push(await heatingWeek({ registry, store, school, week }))
    if (values.out) {
      const file = resolve(values.out as string)
      writeFileSync(file, await renderHeatingPdf(registry, weeks, locale))
      return void console.log(t(locale, 'district.cli.written', { file }))
    }
    const rows = weeks.flatMap((w) => w.rooms)
    const columns = heatingColumns(registry)
    if (values.csv) return void process.stdout.write(sheetCsv(rows, columns, locale))
    for (const [i, w] of weeks.entries()) console.log(heatingHeadline(locale, schools[i]!, w))
    console.log(sheetTable(rows, columns, locale))
  },

  async dossier({ registry, store, locale, values }) {
    const id = Number(values.incident)
    if (!Number.isInteger(id) || id < 1) refuse('district.cli.needsIncident')
    const pdf = await renderDossier(await dossierFacts({ registry, store, incident: id, locale }))
    const file = resolve((values.out as string | undefined) ?? `leak-dossier-${id}-${locale}.pdf`)
    writeFileSync(file, pdf)
    console.log(t(locale, 'district.cli.written', { file }))
  },
}

function parse() {
  return parseCommandLine(
    {
      allowPositionals: true,
      options: {
        month: { type: 'string' },
        date: { type: 'string' },
        school: { type: 'string' },
        'by-building': { type: 'boolean' },
        out: { type: 'string' },
        incident: { type: 'string' },
        week: { type: 'string' },
        csv: { type: 'boolean' },
        locale: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  )
}

async function main(startLocale: Locale): Promise<void> {
  const { values, positionals } = parse()
  if (values.help || positionals.length === 0) return void console.log(t(startLocale, USAGE))
  const [command, ...rest] = positionals
  const run = COMMANDS[command!]
  if (!run) refuse('district.cli.unknownCommand', { command: command!, commands: Object.keys(COMMANDS) })
  if (rest.length > 0) refuse('cli.unexpectedArgument', { argument: rest[0]! })
  if (values.locale !== undefined && !isLocale(values.locale))
    refuse('report.cli.badLocale', { locale: values.locale, locales: [...LOCALES] })
  const env = readEnv()
  const { registry } = loadConfigFile(env.CONFIG ? resolve(env.CONFIG) : DEMO_CONFIG_PATH)
  const locale = (values.locale as Locale | undefined) ?? env.LOCALE ?? registry.locale
  const store = await openConfiguredStore(env)
  try {
    await run!({ registry, store, locale, values })
  } finally {
    await store.close()
  }
}

/** --locale as given, so that even a refused command line is answered in it. */
function localeArgument(argv: string[]): Locale | undefined {
  const i = argv.findIndex((a) => a === '--locale' || a.startsWith('--locale='))
  const v = i < 0 ? undefined : argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1]
  return isLocale(v) ? v : undefined
}

const locale = localeArgument(process.argv.slice(2)) ?? startupLocale()
const unknown = describeUnknownVariables(locale, unknownVariables())
if (unknown) console.error(unknown)
try {
  await main(locale)
} catch (err) {
  if (err instanceof UsageError) {
    console.error(err.explain(locale))
    process.exit(2)
  }
  if (err instanceof SchoolmeterError) {
    console.error(err.text(locale))
    process.exit(2)
  }
  throw err
}
