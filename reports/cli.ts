/**
 * `npm run report -- --month 2026-10`: the monthly report (or the ranking, or the readiness
 * checklists) from the app database in DATA_DIR, for the registry in CONFIG — on demand, beside a
 * running service or without one.
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { readEnv } from '../core/config/env.js'
import { DEMO_CONFIG_PATH, loadConfigFile } from '../core/config/load.js'
import { ConfigError } from '../core/errors.js'
import { formatNumber, t } from '../core/i18n/index.js'
import { formatInstant } from '../core/time.js'
import { lastReceivedFromStore } from '../ingest/pipeline.js'
import { openStore } from '../store/index.js'
import { MONTHLY_COLUMNS, RANKING_COLUMNS, toCsv } from './csv.js'
import { MonthlyReports, UTILITIES, type Utility } from './monthly.js'
import { Readiness } from './readiness.js'

const HELP = `npm run report -- [options]

  --month YYYY-MM     the month (default: this month, to date)
  --school ID         one school
  --utility U         water, electricity or heat (ranking: default water)
  --ranking           the district ranking instead of the monthly rows
  --readiness         the start-of-term checklist of each school's next term
  --csv               CSV (UTF-8, for spreadsheets) instead of a table
  -h, --help

Reads DATA_DIR (default ./data) and CONFIG (default: the demo district), as the service does.
`

function parse() {
  return parseArgs({
    options: {
      month: { type: 'string' },
      school: { type: 'string' },
      utility: { type: 'string' },
      ranking: { type: 'boolean' },
      readiness: { type: 'boolean' },
      csv: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values
}

function main(): void {
  let values: ReturnType<typeof parse>
  try {
    values = parse()
  } catch (err) {
    console.error(`report: ${(err as Error).message}`)
    process.exit(2)
  }
  if (values.help) return void process.stdout.write(HELP)
  const env = readEnv()
  const { registry } = loadConfigFile(env.CONFIG ? resolve(env.CONFIG) : DEMO_CONFIG_PATH)
  const store = openStore(resolve(env.DATA_DIR))
  const first = [...registry.schools.values()][0]!
  const month = values.month ?? formatInstant(Date.now(), first.timezone).slice(0, 7)
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) {
    console.error(`report: --month takes YYYY-MM, not "${month}"`)
    process.exit(2)
  }
  if (values.utility && !UTILITIES.includes(values.utility as Utility)) {
    console.error(`report: --utility is one of ${UTILITIES.join(', ')}`)
    process.exit(2)
  }
  if (values.school && !registry.schools.has(values.school)) {
    console.error(`report: no school "${values.school}" in the registry`)
    process.exit(2)
  }
  const reports = new MonthlyReports({ registry, store })
  const out = (rows: Record<string, unknown>[], columns: string[]) => {
    if (values.csv) process.stdout.write(toCsv(rows, columns))
    else
      console.table(rows.map((r) => Object.fromEntries(columns.filter((c) => c in r).map((c) => [c, r[c]]))))
  }
  if (values.readiness) {
    const heard = lastReceivedFromStore(store)
    const readiness = new Readiness({ registry, store, lastReceivedAt: (id) => heard.get(id) })
    for (const school of registry.schools.values()) {
      if (values.school && school.id !== values.school) continue
      const r = readiness.check(school)
      if (!r) continue
      console.log(
        `${r.name}: ${r.ready ? 'READY' : 'NOT READY'} for ${r.term.name ?? 'the term'} starting ${r.term.start} (in ${r.daysToTerm} days)`,
      )
      for (const c of r.checks) console.log(`  [${c.ok ? 'x' : ' '}] ${c.detail}`)
    }
  } else if (values.ranking) {
    const rows = reports.ranking(month, (values.utility as Utility) ?? 'water')
    out(rows as unknown as Record<string, unknown>[], RANKING_COLUMNS)
  } else {
    const rows = reports
      .monthly(month, values.school)
      .filter((r) => !values.utility || r.utility === values.utility)
    const named = rows.map((r) => ({ ...r, name: registry.schools.get(r.school)?.name ?? r.school }))
    out(
      named,
      values.csv
        ? MONTHLY_COLUMNS
        : [
            'school',
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
          ],
    )
    if (!values.csv) {
      // Each figure in words: its interval, or why it is not ranked.
      for (const r of rows) {
        const locale = registry.schools.get(r.school)?.locale ?? registry.locale
        if (r.savingsPct !== undefined && r.savingsPctLow !== undefined && r.savingsPctHigh !== undefined)
          console.log(
            t(locale, 'savings.cli.interval', {
              school: r.school,
              utility: r.utility,
              pct: formatNumber(locale, r.savingsPct),
              low: formatNumber(locale, r.savingsPctLow),
              high: formatNumber(locale, r.savingsPctHigh),
              method: t(locale, `savings.method.${r.method}`),
            }),
          )
        const reasons = r.gateReasons ?? []
        if (r.gate !== 'pass' && reasons.length > 0)
          console.log(
            t(locale, 'savings.cli.notRanked', {
              school: r.school,
              utility: r.utility,
              reasons: reasons
                .map((x) => t(locale, `savings.reason.${x}`))
                .join(t(locale, 'savings.reason.separator')),
            }),
          )
      }
    }
  }
  store.close()
}

try {
  main()
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`report: ${err.message}`)
    process.exit(2)
  }
  throw err
}
