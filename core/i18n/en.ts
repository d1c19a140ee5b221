/**
 * The English catalogue, and the list of every message key: `zh-CN.ts` must translate each one
 * (the compiler and test/core/i18n.test.ts check). ICU MessageFormat:
 * https://unicode-org.github.io/icu/userguide/format_parse/messages/
 */
export const en = {
  'common.unknown': 'unknown',
  // security
  'security.health.diskFull':
    'The disk holding {path} is full: no readings are being accepted and gateways are held back. Free some space there; the service carries on by itself.',
  'security.health.diskError':
    'The service cannot write {path} ({code}): no readings are being accepted and gateways are held back until it can.',
  'security.startup.diskFull':
    'schoolmeter cannot start because the disk holding {path} is full ({free} free); free some space there and start it again.',
} as const satisfies Record<string, string>
