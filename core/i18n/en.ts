/**
 * The English catalogue, and the list of every message key: `zh-CN.ts` must translate each one
 * (the compiler and test/core/i18n.test.ts check). ICU MessageFormat:
 * https://unicode-org.github.io/icu/userguide/format_parse/messages/
 */
export const en = {
  'common.unknown': 'unknown',
} as const satisfies Record<string, string>
