/**
 * `npm run dashboards -- [options]`: write the Grafana dashboards as provisioning JSON, in the
 * district's language unless --locale says otherwise. The same registry, time zone and language
 * always give the same bytes.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { IANAZone } from 'luxon'
import { parseCommandLine, UsageError } from '../core/cli.js'
import { startupLocale } from '../core/config/load.js'
import { isLocale, LOCALES, type Locale, msg, t } from '../core/i18n/index.js'
import { DEMO_CONFIG_PATH, loadConfigFile, SchoolmeterError } from '../core/index.js'
import { buildDashboards, dashboardJson, GENERATED_DIR } from './index.js'

function main(locale: Locale): void {
  const { values: a } = parseCommandLine(
    {
      options: {
        config: { type: 'string' },
        timezone: { type: 'string' },
        locale: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    'dashboards.cli.usage',
  )
  if (a.help) {
    console.log(t(locale, 'dashboards.cli.usage'))
    return
  }
  if (a.timezone !== undefined && !IANAZone.isValidZone(a.timezone))
    throw new UsageError(msg('dashboards.cli.badZone', { zone: a.timezone }), 'dashboards.cli.usage')
  if (a.locale !== undefined && !isLocale(a.locale))
    throw new UsageError(
      msg('report.cli.badLocale', { locale: a.locale, locales: [...LOCALES] }),
      'dashboards.cli.usage',
    )
  const { registry } = loadConfigFile(a.config ? resolve(a.config) : DEMO_CONFIG_PATH)
  const out = a.out ? resolve(a.out) : GENERATED_DIR
  const dashboards = buildDashboards(registry, {
    ...(a.timezone ? { timezone: a.timezone } : {}),
    ...(a.locale ? { locale: a.locale as Locale } : {}),
  })
  mkdirSync(out, { recursive: true })
  // A dashboard that was renamed or dropped must not linger in Grafana's folder.
  const keep = new Set(dashboards.map((d) => d.file))
  for (const f of readdirSync(out)) if (f.endsWith('.json') && !keep.has(f)) rmSync(join(out, f))
  for (const { file, dashboard } of dashboards) writeFileSync(join(out, file), dashboardJson(dashboard))
  console.error(
    t(locale, 'dashboards.cli.wrote', {
      count: dashboards.length,
      out,
      locale: a.locale ?? registry.locale,
    }),
  )
}

const argv = process.argv.slice(2)
const asked = argv[argv.indexOf('--locale') + 1]
const locale = argv.includes('--locale') && isLocale(asked) ? asked : startupLocale()
try {
  main(locale)
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
