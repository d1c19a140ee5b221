/**
 * The store is the only part that speaks SQL: every other part goes through its repositories and
 * `store.atomically`, so that another database can stand behind the same interface.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')
const PARTS = ['api', 'app', 'core', 'ingest', 'notify', 'reports', 'rules', 'simulator', 'web']
const ALL = [...PARTS, 'store']

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

const SQL = [
  /\.db\.(prepare|exec|transaction|pragma)\b/,
  /\bstore\.db\b/,
  /\b(SELECT\s+[\w*]+.*\s+FROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b/,
]

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

  it('the folders import one another without a cycle', () => {
    // Which folders each folder's sources import from.
    const edges = new Map<string, Map<string, string>>()
    for (const part of ALL) {
      const out = new Map<string, string>()
      for (const file of sources(join(ROOT, part)))
        for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
          const target = relative(ROOT, join(file, '..', spec!)).split('/')[0]!
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
})
