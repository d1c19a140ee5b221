/**
 * The seams between the parts. The store is the only part that speaks SQL: every other part goes
 * through its repositories and `store.atomically`, so that another database can stand behind the
 * same interface. The folders import one another without a cycle, and a part reaches into another
 * only through that part's public entry, its `index.ts`. And no part reaches into a library's
 * private (`_`-prefixed) internals, which any release may change.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')
const PARTS = ['api', 'app', 'core', 'ingest', 'notify', 'reports', 'rules', 'simulator', 'web']
/**
 * Every folder of the service's sources. `core/` is the shared kernel (types, config, i18n, time,
 * metrics, the bus): any part may import its modules one by one, and it imports no part. `test/`
 * and `bench/` are not parts: they may import anything.
 */
const ALL = [...PARTS, 'store', 'dashboards']
const KERNEL = 'core'

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? e.name === 'node_modules'
        ? []
        : sources(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  )
}

/** The relative imports in a source text: `import … from`, `export … from` and `import()`. */
function relativeImports(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)'(\.[^']+)'/g)].map((m) => m[1]!)
}

/** The folder a relative import from `file` lands in, and the path it lands on. */
function resolveImport(file: string, spec: string): { folder: string; path: string } {
  const path = relative(ROOT, join(file, '..', spec))
  return { folder: path.split('/')[0]!, path }
}

const SQL = [
  /\.db\.(prepare|exec|transaction|pragma)\b/,
  /\bstore\.db\b/,
  /\b(SELECT\s+[\w*]+.*\s+FROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b/,
]

/**
 * A `_`-prefixed property read or written (`x._list`, `x?._list`, `x['_list']`) or asserted into a
 * type (`as unknown as { _parser: … }`): a library's private internals. Our own code names
 * nothing with a leading `_` but unused destructured bindings and parameters, which these miss.
 */
const PRIVATE = [
  /\.(_[A-Za-z]\w*)/g,
  /\[\s*['"`](_[A-Za-z]\w*)['"`]\s*\]/g,
  /\bas\s+(?:unknown\s+as\s+)?\{\s*(_[A-Za-z]\w*)/g,
]
/**
 * A library method patched the usual way: the original kept (`const publish =
 * aedes.publish.bind(aedes)`) and the method replaced (`aedes.publish = …`) in the same file.
 */
function replacedMethods(text: string): string[] {
  const kept = new Set([...text.matchAll(/([\w$.]+)\.(\w+)\.bind\(/g)].map((m) => `${m[1]}.${m[2]}`))
  return [...text.matchAll(/^\s*([\w$.]+\.\w+)\s*=[^=]/gm)].map((m) => m[1]!).filter((lhs) => kept.has(lhs))
}

/** Our own `_` names: the CSRF token's field in our HTML forms (web/views/*.eta), read in web/index.ts. */
const OWN = new Set(['_csrf'])

/** The `_` names of a line that are not ours. */
const privateNames = (line: string): string[] =>
  PRIVATE.flatMap((re) => [...line.matchAll(re)].map((m) => m[1]!)).filter((name) => !OWN.has(name))

describe('seams', () => {
  it('no SQL and no database handle outside store/', () => {
    const found: string[] = []
    for (const part of PARTS)
      for (const file of sources(join(ROOT, part))) {
        const lines = readFileSync(file, 'utf8').split('\n')
        lines.forEach((line, i) => {
          if (SQL.some((re) => re.test(line))) found.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`)
        })
      }
    expect(found).toEqual([])
  })

  it('no private internals of a library', () => {
    const found: string[] = []
    for (const part of [...ALL, 'dashboards', 'bench'])
      for (const file of sources(join(ROOT, part))) {
        const lines = readFileSync(file, 'utf8').split('\n')
        lines.forEach((line, i) => {
          if (privateNames(line).length > 0) found.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`)
        })
      }
    expect(found).toEqual([])
  })

  it('the two checks above see what they look for, and not our own names', () => {
    expect(privateNames('const parser = (client as unknown as { _parser?: P })._parser')).toEqual([
      '_parser',
      '_parser',
    ])
    expect(privateNames('if (p._stateCounter !== 0 || p?._list.length) p["_list"].append(b)')).toEqual([
      '_stateCounter',
      '_list',
      '_list',
    ])
    expect(privateNames('getToken: (req) => (req.body as { _csrf?: string })?._csrf')).toEqual([])
    expect(privateNames('const { hash: _hash, ...user } = row; f(_reply, 0.5)')).toEqual([])
    const patch = 'const publish = broker.publish.bind(broker)\n  broker.publish = (p, c) => publish(p, c)\n'
    expect(replacedMethods(patch)).toEqual(['broker.publish'])
    expect(replacedMethods('const guard = security.guard.bind(security)\nif (a.b === guard) x()')).toEqual([])
  })

  it('no method of a library replaced', () => {
    const found: string[] = []
    for (const part of [...ALL, 'dashboards', 'bench'])
      for (const file of sources(join(ROOT, part)))
        for (const method of replacedMethods(readFileSync(file, 'utf8')))
          found.push(`${relative(ROOT, file)}: ${method}`)
    expect(found).toEqual([])
  })

  it('the folders import one another without a cycle', () => {
    // Which folders each folder's sources import from.
    const edges = new Map<string, Map<string, string>>()
    for (const part of ALL) {
      const out = new Map<string, string>()
      for (const file of sources(join(ROOT, part)))
        for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
          const target = resolveImport(file, spec).folder
          if (target !== part && ALL.includes(target)) out.set(target, relative(ROOT, file))
        }
      edges.set(part, out)
    }
    const cycles: string[] = []
    const visit = (part: string, path: string[]) => {
      for (const [next, file] of edges.get(part)!) {
        const at = path.indexOf(next)
        if (at >= 0) cycles.push(`${[...path.slice(at), next].join(' → ')} (${file})`)
        else visit(next, [...path, next])
      }
    }
    for (const part of ALL) visit(part, [part])
    expect(cycles).toEqual([])
  })

  it("a part imports another only through that part's index.ts; core imports no part", () => {
    const bypassing: string[] = []
    for (const part of ALL)
      for (const file of sources(join(ROOT, part)))
        for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
          const target = resolveImport(file, spec)
          if (target.folder === part || !ALL.includes(target.folder)) continue
          const through = target.path === `${target.folder}/index.js`
          if (part === KERNEL || (target.folder !== KERNEL && !through))
            bypassing.push(`${relative(ROOT, file)}: '${spec}'`)
        }
    expect(bypassing).toEqual([])
  })

  it('the import check sees every form of import', () => {
    // What the test above reads: a form it missed would let an import through unseen.
    const text = [
      "import { a } from '../rules/engine.js'",
      'import {',
      '  b,',
      "} from '../reports/index.js'",
      "import type { C } from '../store/security.js'",
      "export { d } from './d.js'",
      "const e = await import('../web/session.js')",
      "import f from 'fastify'",
    ].join('\n')
    expect(relativeImports(text)).toEqual([
      '../rules/engine.js',
      '../reports/index.js',
      '../store/security.js',
      './d.js',
      '../web/session.js',
    ])
  })
})
