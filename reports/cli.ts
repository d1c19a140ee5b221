/**
 * `npm run report -- --month 2026-10`: the monthly report (or the ranking, or the readiness
 * checklists) from the app database in DATA_DIR, for the registry in CONFIG — on demand, beside a
 * running service or without one. In the district's language, LOCALE's, or --locale's.
 */
import { resolve } from 'node:path'
import { parseCommandLine, UsageError } from '../core/cli.js'
import { describeUnknownVariables, readEnv, unknownVariables } from '../core/config/env.js'
import { DEMO_CONFIG_PATH, loadConfigFile, startupLocale } from '../core/config/load.js'
import { SchoolmeterError } from '../core/errors.js'
import { formatNumber, isLocale, LOCALES, type Locale, msg, t } from '../core/i18n/index.js'
import { formatInstant } from '../core/time.js'
import { lastReceivedFromStore } from '../ingest/index.js'
import { openConfiguredStore } from '../store/index.js'
import {
  type CsvHeaders,
  MONTHLY_COLUMNS,
  RANKING_COLUMNS,
  rankingView,
  reasonsSentence,
  toCsv,
  toTable,
} from './csv.js'
import { MonthlyReports, type MonthlyRow, UTILITIES, type Utility } from './monthly.js'
import { checklistLines, Readiness, readinessHeadline } from './readiness.js'

/** The monthly columns a terminal has room for. */
const TABLE_COLUMNS = [
  'name',
  'utility',
  'unit',
  'actual',
  'lastYear',
  'expected',
  'savingsPct',
  'savingsPctLow',
  'savingsPctHigh',
  'cumulativeSavingsPct',
  'perPupil',
  'outOfHoursShare',
  'coverage',
  'method',
  'gate',
] as const

/** Each figure in words under the table: its 90 % interval, or why it is not ranked. */
function savingsLines(locale: Locale, rows: (MonthlyRow & { name: string })[]): string[] {
  const lines: string[] = []
  for (const r of rows) {
    const names = { school: r.name, utility: t(locale, 'report.utility', { value: r.utility }) }
    if (r.savingsPct !== undefined && r.savingsPctLow !== undefined && r.savingsPctHigh !== undefined)
      lines.push(
        t(locale, 'savings.cli.interval', {
          ...names,
          pct: formatNumber(locale, r.savingsPct),
          low: formatNumber(locale, r.savingsPctLow),
          high: formatNumber(locale, r.savingsPctHigh),
          method: t(locale, `savings.method.${r.method}`),
        }),
      )
    const reasons = r.gateReasons ?? []
    if (r.gate !== 'pass' && reasons.length > 0)
      lines.push(t(locale, 'savings.cli.notRanked', { ...names, reasons: reasonsSentence(locale, reasons) }))
  }
  return lines
}

function parse() {
  return parseCommandLine(
    {
      options: {
        month: { type: 'string' },
        school: { type: 'string' },
        utility: { type: 'string' },
        ranking: { type: 'boolean' },
        readiness: { type: 'boolean' },
        csv: { type: 'boolean' },
        headers: { type: 'string' },
        locale: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    'report.cli.usage',
  ).values
}

async function main(locale: Locale): Promise<void> {
  const values = parse()
  if (values.help) return void console.log(t(locale, 'report.cli.usage'))
  const refuse = (sentence: Parameters<typeof msg>) => {
    throw new UsageError(msg(...sentence), 'report.cli.usage')
  }
  if (values.locale !== undefined && !isLocale(values.locale))
    refuse(['report.cli.badLocale', { locale: values.locale, locales: [...LOCALES] }])
  if (values.headers !== undefined && values.headers !== 'names' && values.headers !== 'keys')
    refuse(['report.cli.badHeaders', { headers: values.headers }])
  const env = readEnv()
  const { registry } = loadConfigFile(env.CONFIG ? resolve(env.CONFIG) : DEMO_CONFIG_PATH)
  const lang = (values.locale as Locale | undefined) ?? env.LOCALE ?? registry.locale
  const first = [...registry.schools.values()][0]!
  const month = values.month ?? formatInstant(Date.now(), first.timezone).slice(0, 7)
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) refuse(['report.cli.badMonth', { month }])
  if (values.utility && !UTILITIES.includes(values.utility as Utility))
    refuse(['report.cli.badUtility', { utilities: [...UTILITIES] }])
  if (values.school && !registry.schools.has(values.school))
    refuse(['report.cli.unknownSchool', { school: values.school }])
  const store = await openConfiguredStore(env)
  try {
    const reports = new MonthlyReports({ registry, store })
    const out = (rows: Record<string, unknown>[], columns: Parameters<typeof toTable>[1]) =>
      values.csv
        ? process.stdout.write(toCsv(rows, columns, { locale: lang, headers: values.headers as CsvHeaders }))
        : console.log(toTable(rows, columns, lang))
    if (values.readiness) {
      const heard = lastReceivedFromStore(store)
      const readiness = new Readiness({ registry, store, lastReceivedAt: (id) => heard.get(id) })
      for (const school of registry.schools.values()) {
        if (values.school && school.id !== values.school) continue
        const r = await readiness.check(school, Date.now(), lang)
        if (!r) continue
        console.log(readinessHeadline(lang, r))
        for (const line of checklistLines(lang, r, school.timezone)) console.log(line)
      }
    } else if (values.ranking) {
      const rows = rankingView(lang, await reports.ranking(month, (values.utility as Utility) ?? 'water'))
      out(rows as unknown as Record<string, unknown>[], RANKING_COLUMNS)
    } else {
      const rows = (await reports.monthly(month, values.school)).filter(
        (r) => !values.utility || r.utility === values.utility,
      )
      const named = rows.map((r) => ({ ...r, name: registry.schools.get(r.school)?.name ?? r.school }))
      out(named, values.csv ? MONTHLY_COLUMNS : TABLE_COLUMNS)
      if (!values.csv) for (const line of savingsLines(lang, named)) console.log(line)
    }
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
