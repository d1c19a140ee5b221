import { type MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser'
import { describe, expect, it } from 'vitest'
import {
  CATALOGUES,
  formatDaysFromNow,
  formatDuration,
  formatList,
  formatQuantity,
  LOCALES,
  logLine,
  msg,
  negotiate,
  render,
  t,
} from '../../core/i18n/index.js'

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

describe('formatting for the reader', () => {
  it('quantities with their units: Intl where it knows the unit, the catalogue where it does not', () => {
    expect(formatQuantity('zh-CN', 1234.56, 'L')).toBe('1,234.6升')
    expect(formatQuantity('en', 1234.56, 'L')).toBe('1,234.6 L')
    expect(formatQuantity('zh-CN', 2.5, 'L/h')).toBe('2.5升/小时')
    expect(formatQuantity('en', 21.04, 'degC')).toBe('21°C')
    expect(formatQuantity('zh-CN', 812.4, 'm3')).toBe('812.4 立方米')
    expect(formatQuantity('en', 812.4, 'm3')).toBe('812.4 m³')
    expect(formatQuantity('zh-CN', 1500, 'kWh')).toBe('1,500 千瓦时')
    expect(formatQuantity('en', 2, 'kW')).toBe('2 kW')
    expect(formatQuantity('zh-CN', 12.34, '%')).toBe('12.3%')
  })

  it('durations in their largest unit, and days from now', () => {
    expect(formatDuration('en', 45 * 60_000)).toBe('45 min')
    expect(formatDuration('zh-CN', 45 * 60_000)).toBe('45分钟')
    expect(formatDuration('en', 546 * 60_000)).toBe('9.1 hr')
    expect(formatDuration('zh-CN', 3 * 86_400_000)).toBe('3天')
    expect(formatDaysFromNow('en', 7)).toBe('in 7 days')
    expect(formatDaysFromNow('zh-CN', 7)).toBe('7天后')
    expect(formatDaysFromNow('zh-CN', 1)).toBe('明天')
  })

  it('lists and messages inside messages, each rendered for the reader', () => {
    expect(formatList('zh-CN', ['water', 'heat'])).toBe('water、heat')
    expect(formatList('en', ['water', 'heat'])).toBe('water, heat')
    const problem = msg('config.problem', {
      path: 'HTTP_PORT',
      value: '99999',
      expected: msg('config.expected.maximum', { limit: '65535' }),
    })
    expect(render('en', problem)).toBe('  - HTTP_PORT: got 99999; expected a number of at most 65535')
    expect(render('zh-CN', problem)).toBe('  - HTTP_PORT：当前为 99999，应为不大于 65535 的数')
    expect(t('en', 'config.expected.oneOf', { values: ['water', 'heat'] })).toBe('one of water, heat')
  })

  it('logLine is the text it is given: English for the log, never rendered', () => {
    const who = 'gw-1'
    expect(logLine`gateway "${who}" may not publish to ${'schools/x/y'}`).toBe(
      'gateway "gw-1" may not publish to schools/x/y',
    )
  })
})
