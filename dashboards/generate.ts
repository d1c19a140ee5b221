/**
 * `npm run dashboards -- [options]`: write the Grafana dashboards as provisioning JSON.
 * The same registry and time zone always give the same bytes.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { IANAZone } from 'luxon'
import { ConfigError, DEMO_CONFIG_PATH, loadConfigFile } from '../core/index.js'
import { buildDashboards, dashboardJson, GENERATED_DIR } from './index.js'

const HELP = `schoolmeter dashboards — Grafana dashboards as provisioning JSON

usage: npm run dashboards -- [options]

  --config FILE     registry (YAML/JSON) whose top-level meters and outdoor sensors the dashboards
                    use; default: the bundled demo district (what dashboards/generated/ holds)
  --timezone ZONE   IANA zone of day and month boundaries; default: the first school's
  --out DIR         where to write; default: dashboards/generated
  -h, --help        this text
`

function fail(message: string): never {
  console.error(`dashboards: ${message}\nrun with --help for the options`)
  process.exit(2)
}

function main(): void {
  const { values: a } = parseArgs({
    options: {
      config: { type: 'string' },
      timezone: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (a.help) {
    process.stdout.write(HELP)
    return
  }
  if (a.timezone !== undefined && !IANAZone.isValidZone(a.timezone))
    fail(`--timezone "${a.timezone}" is not an IANA time zone such as Asia/Shanghai`)
  const { registry } = loadConfigFile(a.config ? resolve(a.config) : DEMO_CONFIG_PATH)
  const out = a.out ? resolve(a.out) : GENERATED_DIR
  const dashboards = buildDashboards(registry, a.timezone ? { timezone: a.timezone } : {})
  mkdirSync(out, { recursive: true })
  // A dashboard that was renamed or dropped must not linger in Grafana's folder.
  const keep = new Set(dashboards.map((d) => d.file))
  for (const f of readdirSync(out)) if (f.endsWith('.json') && !keep.has(f)) rmSync(join(out, f))
  for (const { file, dashboard } of dashboards) writeFileSync(join(out, file), dashboardJson(dashboard))
  console.error(`dashboards: wrote ${dashboards.length} dashboards to ${out}`)
}

try {
  main()
} catch (err) {
  if (err instanceof ConfigError) fail(err.message)
  throw err
}
