/**
 * The generated dashboards as Grafana will load them (dashboards/generated/*.json): current with
 * their source, laid out without overlaps, pinned to the provisioned data source, InfluxQL only,
 * day and month boundaries in the district's zone, and no variable used that nothing defines.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { displayWidth } from '../../core/cli.js'
import { loadConfigFile } from '../../core/index.js'
import { buildDashboards, dashboardJson, GENERATED_DIR } from '../../dashboards/index.js'
import { BUILT_IN, variableNames } from './grafana.js'
import {
  annotationsOf,
  type DashboardJson,
  loadGenerated,
  type PanelJson,
  panelsOf,
  provisionedDataSources,
  queriesOf,
  ROOT,
} from './load.js'

const generated = loadGenerated()

describe('dashboards/generated', () => {
  it('is what `npm run dashboards` writes now (regenerated in memory)', () => {
    const fresh = buildDashboards(loadConfigFile().registry)
    const files = readdirSync(GENERATED_DIR).filter((f) => f.endsWith('.json'))
    expect(files.sort(), 'files in dashboards/generated').toEqual(fresh.map((d) => d.file).sort())
    for (const { file, dashboard } of fresh) {
      const committed = readFileSync(join(GENERATED_DIR, file), 'utf8')
      expect(committed, `${file} is stale: run npm run dashboards`).toBe(dashboardJson(dashboard))
    }
  })

  it('gives the same bytes twice', () => {
    const registry = loadConfigFile().registry
    const a = buildDashboards(registry).map((d) => dashboardJson(d.dashboard))
    const b = buildDashboards(registry).map((d) => dashboardJson(d.dashboard))
    expect(a).toEqual(b)
  })

  it("speaks the district's language; --locale gives the same dashboards in another", () => {
    const registry = loadConfigFile().registry
    expect(registry.locale).toBe('zh-CN')
    const json = (g: { dashboard: unknown }) => JSON.parse(JSON.stringify(g.dashboard)) as DashboardJson
    const zh = buildDashboards(registry).map(json)
    const en = buildDashboards(registry, { locale: 'en' }).map(json)
    // The words are the only difference: layout, queries (but for the names of columns) and uids agree.
    const shape = (d: (typeof zh)[number]) =>
      JSON.parse(
        JSON.stringify(d, (key, v) =>
          ['title', 'description', 'label', 'displayName', 'options', 'text', 'name', 'alias'].includes(
            key,
          ) || key === 'renameByName'
            ? typeof v === 'object' && v !== null
              ? Object.keys(v)
              : '…'
            : key === 'query' && typeof v === 'string'
              ? v.replace(/ AS "[^"]*"/g, ' AS …')
              : v,
        ),
      )
    expect(zh.map(shape)).toEqual(en.map(shape))
    // Every text a person reads was translated: none is the same in both languages.
    const texts = (d: (typeof zh)[number]) => [
      d.title,
      d.description,
      ...panelsOf(d).flatMap((p) => [p.title, ...(p.type === 'row' ? [] : [(p as PanelJson).description])]),
      ...panelsOf(d).flatMap((p) =>
        (
          (p as PanelJson & { transformations?: { options: { renameByName?: object } }[] }).transformations ??
          []
        ).flatMap((t) => Object.values(t.options.renameByName ?? {}) as string[]),
      ),
    ]
    zh.forEach((d, i) => {
      const [ours, theirs] = [texts(d), texts(en[i]!)]
      expect(ours.length).toBe(theirs.length)
      for (const [j, text] of ours.entries()) expect(text, `${d.title}: ${theirs[j]}`).not.toBe(theirs[j])
      for (const text of ours) expect(text, `${d.title}`).toMatch(/[\u4e00-\u9fff]/)
    })
  })

  it('has unique uids and titles across dashboards', () => {
    const uids = generated.map((g) => g.dashboard.uid)
    const titles = generated.map((g) => g.dashboard.title)
    expect(new Set(uids).size).toBe(generated.length)
    expect(new Set(titles).size).toBe(generated.length)
    expect(generated.length).toBe(7)
  })
})

describe.each(generated.map((g) => [g.file, g.dashboard] as const))('%s', (_file, dashboard) => {
  const panels = panelsOf(dashboard)
  const visuals = panels.filter((p) => p.type !== 'row')
  const defined = new Set((dashboard.templating?.list ?? []).map((v) => v.name))

  it('numbers its panels uniquely', () => {
    const ids = panels.map((p) => p.id)
    expect(ids.every((id) => Number.isInteger(id) && id! > 0)).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('lays its panels out on the 24-column grid without overlaps', () => {
    for (const p of panels) {
      const g = p.gridPos!
      expect(g.w, p.title).toBeGreaterThan(0)
      expect(g.h, p.title).toBeGreaterThan(0)
      expect(g.x + g.w, p.title).toBeLessThanOrEqual(24)
    }
    for (const [i, a] of panels.entries()) {
      for (const b of panels.slice(i + 1)) {
        const A = a.gridPos!
        const B = b.gridPos!
        const overlap = A.x < B.x + B.w && B.x < A.x + A.w && A.y < B.y + B.h && B.y < A.y + A.h
        expect(overlap, `"${a.title}" and "${b.title}" overlap`).toBe(false)
      }
    }
  })

  it('points every panel, query and variable at the provisioned data source', () => {
    const uids = new Set(provisionedDataSources().map((d) => d.uid))
    expect(uids.size).toBe(1)
    const [uid] = uids
    for (const p of visuals) {
      expect(p.datasource?.uid, p.title).toBe(uid)
      expect(p.targets?.length, `${p.title} has queries`).toBeGreaterThan(0)
      for (const t of p.targets!) expect(t.datasource?.uid, `${p.title} ${t.refId}`).toBe(uid)
    }
    for (const v of dashboard.templating?.list ?? []) {
      if (v.type === 'query') expect(v.datasource?.uid, v.name).toBe(uid)
    }
  })

  it('queries in InfluxQL only, raw, with unique refIds per panel', () => {
    for (const p of visuals) {
      const refIds = p.targets!.map((t) => t.refId)
      expect(new Set(refIds).size, p.title).toBe(refIds.length)
      for (const t of p.targets!) {
        expect(t.rawQuery, p.title).toBe(true)
        expect(t.query, p.title).toMatch(/^(SELECT|SHOW) /)
        expect(t.query, p.title).not.toMatch(/\|>|from\(bucket/)
      }
    }
  })

  it('annotates with raw InfluxQL on the provisioned data source, naming the text and tag columns', () => {
    const [uid] = new Set(provisionedDataSources().map((d) => d.uid))
    for (const a of annotationsOf(dashboard)) {
      const t = a.target!
      expect(a.datasource?.uid, a.name).toBe(uid)
      expect(t.datasource?.uid, a.name).toBe(uid)
      // What Grafana's InfluxQL annotation editor saves; without fromAnnotations the query runs as a panel query.
      expect(t.fromAnnotations, a.name).toBe(true)
      expect(t.rawQuery, a.name).toBe(true)
      expect(t.query, a.name).toMatch(/^SELECT /)
      expect(t.query, a.name).toContain('$timeFilter')
      // Every column named as text or tag is selected by the query.
      const selected = /^SELECT (.+?) FROM /
        .exec(t.query)![1]!
        .split(',')
        .map((c) => c.trim().replace(/"/g, ''))
      for (const column of [t.textColumn!, ...t.tagsColumn!.split(',')]) {
        expect(selected, `${a.name}: column ${column}`).toContain(column)
      }
    }
  })

  it("groups time in the district's zone: every GROUP BY time() has tz('$tz')", () => {
    for (const { where, query } of queriesOf(dashboard)) {
      const groups = query.match(/GROUP BY time\(/g)?.length ?? 0
      const zones = query.match(/tz\('\$tz'\)/g)?.length ?? 0
      expect(zones, where).toBe(groups)
    }
    if (queriesOf(dashboard).some((q) => q.query.includes("tz('$tz')"))) {
      const tz = dashboard.templating!.list!.find((v) => v.name === 'tz')
      expect(tz?.type).toBe('constant')
      expect(tz?.query).toBe(dashboard.timezone)
    }
  })

  it('uses only variables it defines, and defines only variables it uses', () => {
    const used = new Set<string>()
    const texts: [string, string][] = [
      ...queriesOf(dashboard).map((q) => [q.where, q.query] as [string, string]),
      ...panels.flatMap((p) => [
        [`title of ${p.title}`, p.title ?? ''] as [string, string],
        [`description of ${p.title}`, p.description ?? ''] as [string, string],
      ]),
      ...visuals.flatMap((p) =>
        p.targets!.map(
          // Alias patterns ($tag_school, $col) name series; they are not variables.
          (t) =>
            [`alias of ${p.title}`, (t.alias ?? '').replace(/\$(tag_\w+|col|m|measurement)\b/g, '')] as [
              string,
              string,
            ],
        ),
      ),
    ]
    for (const [where, text] of texts) {
      for (const name of variableNames(text)) {
        expect(defined.has(name) || BUILT_IN.has(name), `$${name} in ${where}`).toBe(true)
        used.add(name)
      }
    }
    for (const name of defined)
      expect(used.has(name), `variable $${name} is defined but never used`).toBe(true)
  })

  it('describes every panel', () => {
    // In terminal columns, so that a Chinese sentence (two columns a character) is measured fairly.
    for (const p of visuals)
      expect(displayWidth((p as PanelJson).description ?? ''), p.title).toBeGreaterThan(10)
  })
})

describe('provisioning', () => {
  it('offers the data source for InfluxDB 1.x (credentials) and 2.x/3.x (token), same uid, InfluxQL', () => {
    const sources = provisionedDataSources()
    expect(sources.map((s) => s.file).sort()).toEqual(['influxql-credentials.yaml', 'influxql-token.yaml'])
    // The query test takes the minimum interval from here; both variants must agree.
    expect(new Set(sources.map((s) => s.jsonData?.timeInterval))).toEqual(new Set(['1m']))
    for (const s of sources) {
      expect(s.type).toBe('influxdb')
      expect(s.jsonData?.version).toBe('InfluxQL')
      expect(s.jsonData?.dbName).toMatch(/^\$\{INFLUX_(BUCKET|DATABASE)\}$/)
    }
    const token = sources.find((s) => s.file === 'influxql-token.yaml')!
    expect(token.jsonData?.httpHeaderName1).toBe('Authorization')
    expect(token.secureJsonData?.httpHeaderValue1).toMatch(/^Token \$\{INFLUX_TOKEN\}$/)
    const credentials = sources.find((s) => s.file === 'influxql-credentials.yaml')!
    expect(credentials.user).toMatch(/^\$\{INFLUX_USERNAME\}$/)
    expect(credentials.secureJsonData?.password).toMatch(/^\$\{INFLUX_PASSWORD\}$/)
  })

  it('provides the generated folder from where docker-compose.yml mounts it', () => {
    const provider = parseYaml(readFileSync(join(ROOT, 'deploy/grafana/dashboards.yaml'), 'utf8')) as {
      providers: { type: string; options: { path: string } }[]
    }
    expect(provider.providers).toHaveLength(1)
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')
    expect(compose).toContain(`./dashboards/generated:${provider.providers[0]!.options.path}:ro`)
  })
})
