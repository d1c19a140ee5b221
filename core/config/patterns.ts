/**
 * The string patterns of the config, environment and HTTP schemas, each with the words a person
 * reads when a value does not match it: "a time HH:MM", not the regular expression.
 */
import type { MessageKey } from '../i18n/index.js'

export const SCHOOL_ID = '^[a-z0-9][a-z0-9-]{0,63}$'
export const DEVICE_ID = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$'
export const TIME_RANGE = '^([01]\\d|2[0-3]):[0-5]\\d-([01]\\d|2[0-4]):[0-5]\\d$'
export const CLOCK_TIME = '^([01]\\d|2[0-3]):[0-5]\\d$'
export const LOCAL_DATE = '^\\d{4}-\\d{2}-\\d{2}$'
export const LOCAL_DATE_TIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}$'
export const MONTH_DAY = '^\\d{2}-\\d{2}$'
export const MONTH = '^\\d{4}-(0[1-9]|1[0-2])$'
export const RULE_ID = '^[a-z]+\\.[a-z_]+$'
export const RULE_OR_FAMILY = '^[a-z]+(\\.[a-z_]+|\\.\\*)$'
export const EMAIL = '^[^@\\s]+@[^@\\s]+$'
export const HTTP_URL = '^https?://'
export const MQTT_URL = '^(mqtts?|tcp|ssl|wss?)://'
export const SMTP_URL = '^smtps?://'
export const ENV_NAME = '^[A-Z_][A-Z0-9_]*$'
export const CURRENCY = '^[A-Z]{3}$'
export const ORIGINS = '^\\s*(\\*|https?://[^\\s,/]+)(\\s*,\\s*(\\*|https?://[^\\s,/]+))*\\s*$'
export const GZIP = '^(auto|off|[0-9])$'
export const TOKEN_ID = '^[0-9a-f]{12}$'
export const CHANNEL_NAME = '^[a-z][a-z0-9_-]{0,31}$'
export const PHONE = '^\\+?[0-9][0-9 -]{4,19}$'
// Shards (ingest/shard/) and the app store in PostgreSQL (store/postgres/)
export const SHARD = '^\\s*[1-9][0-9]{0,3}\\s*/\\s*[1-9][0-9]{0,3}\\s*$'
export const POSTGRES_URL = '^postgres(ql)?://'

// District reporting (core/classification.ts)
export const BUILDING_CODE = '^\\d{6}[A-H]\\d{3}$'
export const DATA_CENTRE_ID = '^\\d{6}$'

export const PATTERN_MESSAGES: Record<string, MessageKey> = {
  [SCHOOL_ID]: 'config.expected.schoolId',
  [DEVICE_ID]: 'config.expected.deviceId',
  [TIME_RANGE]: 'config.expected.timeRange',
  [CLOCK_TIME]: 'config.expected.clockTime',
  [LOCAL_DATE]: 'config.expected.localDate',
  [LOCAL_DATE_TIME]: 'config.expected.localDateTime',
  [MONTH_DAY]: 'config.expected.monthDay',
  [MONTH]: 'config.expected.month',
  [RULE_ID]: 'config.expected.ruleId',
  [RULE_OR_FAMILY]: 'config.expected.ruleOrFamily',
  [EMAIL]: 'config.expected.email',
  [HTTP_URL]: 'config.expected.httpUrl',
  [MQTT_URL]: 'config.expected.mqttUrl',
  [SMTP_URL]: 'config.expected.smtpUrl',
  [ENV_NAME]: 'config.expected.envName',
  [CURRENCY]: 'config.expected.currency',
  [ORIGINS]: 'config.expected.origins',
  [GZIP]: 'config.expected.gzip',
  [TOKEN_ID]: 'config.expected.tokenId',
  [CHANNEL_NAME]: 'config.expected.channelName',
  [PHONE]: 'config.expected.phone',
  [POSTGRES_URL]: 'postgres.expected.url',
  [BUILDING_CODE]: 'classification.expected.code',
  [DATA_CENTRE_ID]: 'classification.expected.dataCenterId',
  [SHARD]: 'shard.expected.spec',
}
