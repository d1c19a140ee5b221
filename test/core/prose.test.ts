/**
 * Every sentence a person reads comes from the message catalogues (core/i18n). This test reads the
 * production sources with the TypeScript compiler (test/helpers/prose.ts) and fails on prose in
 * their string and template literals anywhere but where prose belongs to operators and
 * integrators: log calls, SQL and InfluxQL, schema documentation, plain Errors.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { proseIn } from '../helpers/prose.js'

const ROOT = join(import.meta.dirname, '../..')
/** What `npm start`, the CLIs and the build ship. */
const PRODUCTION = [
  'app',
  'api',
  'core',
  'dashboards',
  'ingest',
  'notify',
  'reports',
  'rules',
  'simulator',
  'store',
  'web',
]
/** The catalogues themselves. */
const CATALOGUES = ['core/i18n/en.ts', 'core/i18n/zh-CN.ts']
/**
 * Folders whose text other work is still moving into the catalogues. Remove a line when its area
 * is converted; the test then holds it to the same rule as the rest.
 */
const PENDING = [
  // The simulator (fault names, scenario file errors, its CLI): being changed on other branches.
  'simulator/',
]

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => relative(ROOT, join(ROOT, dir, f)))
}

describe('human sentences come from the catalogues', () => {
  const files = PRODUCTION.flatMap(sources).filter((f) => !CATALOGUES.includes(f))

  it('no production source outside the pending areas writes prose of its own', () => {
    const findings = files
      .filter((f) => !PENDING.some((p) => f.startsWith(p)))
      .flatMap((f) => proseIn(f, readFileSync(join(ROOT, f), 'utf8')))
    expect(findings.map((f) => `${f.file}:${f.line} ${JSON.stringify(f.text)}`)).toEqual([])
  })

  it('reads every production folder, and the pending areas still have prose to move (else drop them)', () => {
    expect(files.length).toBeGreaterThan(100)
    for (const area of PENDING) {
      const prose = files
        .filter((f) => f.startsWith(area))
        .flatMap((f) => proseIn(f, readFileSync(join(ROOT, f), 'utf8')))
      expect(prose.length, `${area} still pending`).toBeGreaterThan(0)
    }
  })

  it('catches a sentence put back into converted code, and leaves what operators read', () => {
    const code = `
      import { t } from '../core/i18n/index.js'
      export function f(log: Logger, req: Req, db: Db, reply: Reply) {
        log.warn({ err }, 'InfluxDB write failed; spooling to disk')
        this.o.log.info(\`register \${type} on meter \${meter}\`)
        db.prepare('SELECT id FROM alerts WHERE key = ? ORDER BY id DESC')
        const q = influxql\`SELECT mean("flow_lpm") FROM "water" GROUP BY time(1h)\`
        const schema = Type.String({ description: 'an e-mail address of the contact' })
        if (!ok) throw new Error('the journal is closed for writing')
        reply.header('content-type', 'text/csv; charset=utf-8')
        const says = t(req.locale, 'api.error.noRoute', { method, path })
        reply.code(404).send({ error: 'not_found', message: \`school "\${id}" is not in the registry\` })
        console.log('no gateway logins yet; add one')
        const title = 'Water alerts'
        const zh = '用水告警'
        throw new SchoolmeterError('USAGE', \`\${n} takes no \${options}\`)
      }
    `
    expect(proseIn('x.ts', code).map((f) => f.text)).toEqual([
      'school "\u0000" is not in the registry',
      'no gateway logins yet; add one',
      'Water alerts',
      '用水告警',
      '\u0000 takes no \u0000',
    ])
  })
})
