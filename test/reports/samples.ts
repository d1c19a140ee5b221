/**
 * `npm run samples`: the district reports' samples in docs/ — the demo's dripping-tap dossier as
 * PDF (zh-CN, en) with its first page rendered to PNG by poppler's pdftoppm, and one day's platform
 * package — from the simulated demo district (test/helpers/leak.ts, test/helpers/reporting.ts).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { toolCommandLine } from '../../core/cli.js'
import { DEMO_CONFIG_PATH, startupLocale } from '../../core/config/load.js'
import { dossierFacts, renderDossier } from '../../reports/dossier.js'
import { buildPackage } from '../../reports/platform/package.js'
import { leakStory } from '../helpers/leak.js'
import { history } from '../helpers/reporting.js'

toolCommandLine(
  { options: { help: { type: 'boolean', short: 'h' } } },
  { script: 'samples', usage: 'samples.cli.usage', locale: startupLocale() },
)
const DOCS = join(import.meta.dirname, '..', '..', 'docs')

const dossiers = join(DOCS, 'dossier')
mkdirSync(dossiers, { recursive: true })
const story = await leakStory()
for (const locale of ['zh-CN', 'en'] as const) {
  const facts = await dossierFacts({
    registry: story.registry,
    store: story.store,
    incident: story.incidentId,
    locale,
  })
  const file = join(dossiers, `leak-dossier-${locale}.pdf`)
  writeFileSync(file, await renderDossier(facts, { generatedAt: Date.parse('2026-10-16T09:00:00+08:00') }))
  // First page at 100 dpi: docs/dossier/leak-dossier-<locale>-1.png.
  execFileSync('pdftoppm', [
    '-png',
    '-r',
    '100',
    '-f',
    '1',
    '-l',
    '1',
    '-singlefile',
    file,
    file.replace(/\.pdf$/, '-1'),
  ])
}

const platform = join(DOCS, 'platform')
mkdirSync(platform, { recursive: true })
const h = await history({
  config: readFileSync(DEMO_CONFIG_PATH, 'utf8'),
  from: '2026-10-11T00:00:00+08:00',
  to: '2026-10-13T00:00:00+08:00',
})
const pkg = await buildPackage({ registry: h.registry, store: h.store, date: '2026-10-12' })
writeFileSync(join(platform, `${pkg.name}.zip`), pkg.zip())
writeFileSync(join(platform, `${pkg.name}Build.xml`), pkg.build.xml)
writeFileSync(join(platform, `${pkg.name}Energy.xml`), pkg.energy.xml)
