import pino, { type Logger } from 'pino'
import type { Env } from '../core/config/env.js'

/** JSON lines for machines; readable lines on a terminal (or with LOG_FORMAT=pretty). */
export function createLogger(env: Pick<Env, 'LOG_LEVEL' | 'LOG_FORMAT'>): Logger {
  const pretty = env.LOG_FORMAT ? env.LOG_FORMAT === 'pretty' : process.stdout.isTTY === true
  return pino({
    level: env.LOG_LEVEL,
    base: { service: 'schoolmeter' },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' },
          },
        }
      : {}),
  })
}
