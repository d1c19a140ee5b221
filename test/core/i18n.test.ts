import { type MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser'
import { describe, expect, it } from 'vitest'
import { CATALOGUES, LOCALES, negotiate, t } from '../../core/i18n/index.js'

/** The placeholder names a message uses, with their ICU type. */
function placeholders(source: string): string[] {
  const out = new Set<string>()
  const walk = (els: MessageFormatElement[]) => {
    for (const el of els) {
      if (el.type === TYPE.literal || el.type === TYPE.pound) continue
      if ('value' in el && typeof el.value === 'string') out.add(`${el.value}:${el.type}`)
      if (el.type === TYPE.plural || el.type === TYPE.select) {
        for (const o of Object.values(el.options)) walk(o.value)
      }
      if (el.type === TYPE.tag) walk(el.children)
    }
  }
  walk(parse(source, { ignoreTag: true }))
  return [...out].sort()
}

describe('message catalogues', () => {
  const keys = Object.keys(CATALOGUES.en).sort()

  it('every catalogue has exactly the keys of every other', () => {
    for (const locale of LOCALES) expect(Object.keys(CATALOGUES[locale]).sort(), locale).toEqual(keys)
  })

  it('every message parses, and each translation uses the same placeholders as English', () => {
    for (const key of keys) {
      const want = placeholders(CATALOGUES.en[key as keyof typeof CATALOGUES.en])
      for (const locale of LOCALES) {
        const got = placeholders(CATALOGUES[locale][key as keyof typeof CATALOGUES.en])
        expect(got, `${locale} ${key}`).toEqual(want)
      }
    }
  })

  it('renders a message for each locale', () => {
    expect(t('en', 'common.unknown')).toBe('unknown')
    expect(t('zh-CN', 'common.unknown')).toBe('未知')
  })
})

describe('negotiate', () => {
  it('picks our locale from Accept-Language, by weight', () => {
    expect(negotiate('zh-CN,zh;q=0.9,en;q=0.8', 'en')).toBe('zh-CN')
    expect(negotiate('en-GB,en;q=0.9', 'zh-CN')).toBe('en')
    expect(negotiate('fr;q=1, en;q=0.5', 'zh-CN')).toBe('en')
    expect(negotiate('zh-Hant-TW', 'en')).toBe('zh-CN')
    expect(negotiate('fr', 'en')).toBe('en')
    expect(negotiate(undefined, 'zh-CN')).toBe('zh-CN')
    expect(negotiate('en;q=0.1, zh;q=0.9', 'en')).toBe('zh-CN')
  })
})
