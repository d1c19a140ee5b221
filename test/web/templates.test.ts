/**
 * The templates hold no sentence of their own: their text and their labels come from the
 * catalogues (`it.t(key)`), and every key they name exists. test/core/prose.test.ts does the same
 * for the TypeScript; this does it for web/views.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { en } from '../../core/i18n/en.js'
import { VIEWS_DIR } from '../../web/render.js'

const views = readdirSync(VIEWS_DIR).filter((f) => f.endsWith('.eta'))
const read = (f: string) => readFileSync(join(VIEWS_DIR, f), 'utf8')

/** Text a person reads that is not in an Eta tag: between tags, and in labelling attributes. */
function literalText(template: string): string[] {
  const code = template.replace(/<%[\s\S]*?%>/g, ' ')
  const between = code
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]*>/g, '\n')
    .split('\n')
  const labels = [...code.matchAll(/\b(?:aria-label|title|alt|placeholder|value)="([^"]*)"/g)].map(
    (m) => m[1]!,
  )
  return [...between, ...labels].map((s) => s.trim()).filter((s) => /[\p{L}]/u.test(s))
}

describe('web/views', () => {
  it('has the pages', () => {
    expect(views.sort()).toEqual(
      [
        'chart',
        'district',
        'incident',
        'incidents',
        'layout',
        'login',
        'meter',
        'quality',
        'readiness',
        'refused',
        'savings',
        'school',
      ].map((v) => `${v}.eta`),
    )
  })

  it('no template writes a word of its own', () => {
    const found = views.flatMap((f) => literalText(read(f)).map((s) => `${f}: ${s}`))
    expect(found).toEqual([])
  })

  it('every catalogue key a template names exists', () => {
    const keys = views.flatMap((f) =>
      [...read(f).matchAll(/it\.t\(\s*'([^']+)'/g)].map((m) => ({ file: f, key: m[1]! })),
    )
    expect(keys.length).toBeGreaterThan(100)
    expect(keys.filter((k) => !(k.key in en)).map((k) => `${k.file}: ${k.key}`)).toEqual([])
  })

  it('catches a word put back into a template', () => {
    expect(literalText('<h1>Open incidents</h1><%= it.t("web.x") %><input aria-label="search">')).toEqual([
      'Open incidents',
      'search',
    ])
  })
})
