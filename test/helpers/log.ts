import pino from 'pino'

/** A logger for tests: silent unless TEST_LOG is set to a level. */
export const testLog = pino({ level: process.env.TEST_LOG ?? 'silent' })
