/**
 * The dashboards schoolmeter ships, built from a registry: `npm run dashboards` writes them to
 * dashboards/generated/ for Grafana's file provisioning (deploy/grafana/dashboards.yaml), and
 * test/dashboards regenerates them in memory to check the committed files are current.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import type { Locale } from '../core/i18n/index.js'
import type { Registry } from '../core/index.js'
import { dataQuality } from './data-quality.js'
import { districtOverview } from './district-overview.js'
import { electricity } from './electricity.js'
import { type DistrictFacts, districtFacts } from './facts.js'
import { heating } from './heating.js'
import { monthlySavings } from './monthly-savings.js'
import { schoolOverview } from './school-overview.js'
import { water } from './water.js'

export { TAG } from './board.js'
export { type DistrictFacts, districtFacts } from './facts.js'
export { DATASOURCE, type InfluxQLQuery } from './influxql.js'

/** Where the committed provisioning JSON lives. */
export const GENERATED_DIR = join(dirname(fileURLToPath(import.meta.url)), 'generated')

export interface GeneratedDashboard {
  /** File name under dashboards/generated/. */
  file: string
  dashboard: Dashboard
}

/** In the order a visitor would open them. */
const BOARDS: [file: string, build: (facts: DistrictFacts) => Dashboard][] = [
  ['district-overview.json', districtOverview],
  ['school-overview.json', schoolOverview],
  ['water.json', water],
  ['electricity.json', electricity],
  ['heating.json', heating],
  ['monthly-savings.json', monthlySavings],
  ['data-quality.json', dataQuality],
]

export function buildDashboards(
  registry: Registry,
  o: { timezone?: string; locale?: Locale } = {},
): GeneratedDashboard[] {
  const facts = districtFacts(registry, o)
  return BOARDS.map(([file, build]) => ({ file, dashboard: build(facts) }))
}

/** The provisioning file's text: stable key order and a final newline, so regenerating gives no diff. */
export function dashboardJson(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`
}
