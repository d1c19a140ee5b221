/** Reading the generated dashboards and the provisioning files as Grafana sees them: plain JSON and YAML. */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { GENERATED_DIR } from '../../dashboards/index.js'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface TargetJson {
  refId?: string
  datasource?: { type?: string; uid?: string }
  query: string
  rawQuery?: boolean
  resultFormat?: string
  alias?: string
  hide?: boolean
}

export interface PanelJson {
  id?: number
  type: string
  title?: string
  description?: string
  gridPos?: { x: number; y: number; w: number; h: number }
  datasource?: { type?: string; uid?: string }
  targets?: TargetJson[]
  panels?: PanelJson[]
  timeFrom?: string
  timeShift?: string
  interval?: string
  maxDataPoints?: number
}

export interface VariableJson {
  type: string
  name: string
  query?: string
  datasource?: { uid?: string }
  multi?: boolean
  includeAll?: boolean
  current?: { value?: string | string[] }
  sort?: number
}

/** An annotation query of the InfluxDB data source, as Grafana's InfluxQL annotation editor saves it. */
export interface AnnotationJson {
  name: string
  enable?: boolean
  builtIn?: number
  datasource?: { type?: string; uid?: string }
  target?: TargetJson & { fromAnnotations?: boolean; textColumn?: string; tagsColumn?: string }
}

export interface DashboardJson {
  uid: string
  title: string
  description?: string
  timezone: string
  time: { from: string; to: string }
  panels?: PanelJson[]
  templating?: { list?: VariableJson[] }
  annotations?: { list?: AnnotationJson[] }
}

export function loadGenerated(): { file: string; dashboard: DashboardJson }[] {
  return readdirSync(GENERATED_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(GENERATED_DIR, file), 'utf8')) }))
}

/** Every panel, rows included, and the panels inside collapsed rows. */
export function panelsOf(d: DashboardJson): PanelJson[] {
  return (d.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])])
}

/** Annotation queries that are not Grafana's built-in one (which has no InfluxQL). */
export function annotationsOf(d: DashboardJson): AnnotationJson[] {
  return (d.annotations?.list ?? []).filter((a) => !a.builtIn)
}

/** Every InfluxQL text of a dashboard: panel targets, annotations and query variables, with where it is. */
export function queriesOf(d: DashboardJson): { where: string; query: string }[] {
  return [
    ...panelsOf(d).flatMap((p) =>
      (p.targets ?? []).map((t) => ({ where: `${d.title} / ${p.title} / ${t.refId}`, query: t.query })),
    ),
    ...annotationsOf(d).map((a) => ({
      where: `${d.title} / annotation ${a.name}`,
      query: a.target?.query ?? '',
    })),
    ...(d.templating?.list ?? [])
      .filter((v) => v.type === 'query')
      .map((v) => ({ where: `${d.title} / $${v.name}`, query: v.query! })),
  ]
}

export interface ProvisionedDataSource {
  file: string
  uid: string
  type: string
  user?: string
  jsonData?: Record<string, string>
  secureJsonData?: Record<string, string>
}

export function provisionedDataSources(): ProvisionedDataSource[] {
  const dir = join(ROOT, 'deploy/grafana/datasources')
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((file) => {
      const doc = parseYaml(readFileSync(join(dir, file), 'utf8')) as { datasources: ProvisionedDataSource[] }
      return doc.datasources.map((d) => ({ ...d, file }))
    })
}
