/**
 * `npm run admin -- user …`: the people who sign in to the web app, with the API's roles (viewer,
 * maintenance, admin) and, when given, the schools they look after. A password is stored as a
 * scrypt hash, as API tokens are; a generated one is shown once. A new password or a disabled
 * login ends the person's sessions at once. Every change is recorded in the audit log.
 */
import { randomInt } from 'node:crypto'
import { resolve } from 'node:path'
import { formatTable, localZone, parseCommandLine, UsageError } from '../../core/cli.js'
import { readEnv } from '../../core/config/env.js'
import { DEMO_CONFIG_PATH, loadConfigFile } from '../../core/config/load.js'
import { SchoolmeterError } from '../../core/errors.js'
import { formatDateTime, type Locale, type Message, msg, t } from '../../core/i18n/index.js'
import { hashSecret } from '../../core/secrets.js'
import { openConfiguredStore, ROLES, type Store, type User } from '../../store/index.js'
import type { Area } from '../admin.js'
import { cliActor } from './tokens.js'

/** People type their password on a phone: long enough, not absurd. */
export const MIN_PASSWORD_LENGTH = 10
/** No 0/O, 1/l/I: a generated password is read off a screen and typed. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'

/** Four groups of four from 31 characters: about 79 bits, and easy to type. */
export function generatePassword(): string {
  const group = () => Array.from({ length: 4 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')
  return [group(), group(), group(), group()].join('-')
}

function usageError(sentence: Message): UsageError {
  return new UsageError(sentence, 'admin.user.usage')
}

function parse(args: string[]) {
  return parseCommandLine(
    {
      args,
      allowPositionals: true,
      strict: true,
      options: {
        role: { type: 'string' },
        name: { type: 'string' },
        schools: { type: 'string' },
        password: { type: 'string' },
        all: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    'admin.user.usage',
  )
}

function checkPassword(password: string | undefined): string {
  if (password === undefined) return generatePassword()
  if ([...password].length < MIN_PASSWORD_LENGTH)
    throw usageError(
      msg('admin.user.passwordShort', { length: [...password].length, minimum: MIN_PASSWORD_LENGTH }),
    )
  return password
}

/** `a,b` → the school ids, each checked against the registry; '' → every school. */
function checkSchools(list: string | undefined): string[] | null | undefined {
  if (list === undefined) return undefined
  const ids = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (ids.length === 0) return null
  const env = readEnv()
  const config = loadConfigFile(env.CONFIG ? resolve(env.CONFIG) : DEMO_CONFIG_PATH)
  const unknown = ids.filter((id) => !config.registry.schools.has(id))
  if (unknown.length)
    throw new SchoolmeterError(
      'UNKNOWN_SCHOOL',
      msg('admin.user.unknownSchools', {
        schools: unknown,
        source: config.source,
        known: [...config.registry.schools.keys()],
      }),
    )
  return ids
}

async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const env = readEnv()
  const store = await openConfiguredStore(env)
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

function time(locale: Locale, ms: number | undefined): string {
  return ms === undefined ? '-' : formatDateTime(locale, ms, localZone())
}

function describe(locale: Locale, u: User): Record<string, string> {
  return {
    username: u.username,
    name: u.name,
    role: u.role,
    schools: u.schools?.join(',') ?? t(locale, 'admin.user.allSchools'),
  }
}

function table(locale: Locale, users: User[]): string {
  const header = (['username', 'name', 'role', 'schools', 'created', 'lastLogin', 'disabled'] as const).map(
    (column) => t(locale, 'admin.user.column', { column }),
  )
  return formatTable([
    header,
    ...users.map((u) => [
      u.username,
      u.name,
      u.role,
      u.schools?.join(',') ?? t(locale, 'admin.user.allSchools'),
      time(locale, u.createdAt),
      time(locale, u.lastLoginAt),
      time(locale, u.disabledAt),
    ]),
  ])
}

export const userArea: Area = {
  async run(args: string[], locale: Locale): Promise<void> {
    const { values, positionals } = parse(args)
    const [command, username, ...extra] = positionals
    if (values.help || !command || command === 'help') {
      console.log(t(locale, 'admin.user.usage'))
      return
    }
    if (extra.length > 0) throw usageError(msg('cli.unexpectedArgument', { argument: extra.join(' ') }))
    const only = (allowed: string[]) => {
      const wrong = Object.keys(values).filter((k) => !allowed.includes(k))
      if (wrong.length > 0)
        throw usageError(msg('cli.optionNotHere', { command, options: wrong.map((w) => `--${w}`) }))
    }
    const who = () => {
      if (!username) throw usageError(msg('admin.user.usernameNeeded'))
      return username
    }
    const record =
      (action: string, u: User, detail: Record<string, unknown> = {}) =>
      (store: Store) =>
        store.audit.record({
          actor: cliActor(),
          action,
          target: `user:${u.username}`,
          detail: { role: u.role, ...detail },
        })

    switch (command) {
      case 'add': {
        only(['role', 'name', 'schools', 'password'])
        const name = who()
        if (!values.role) throw usageError(msg('admin.user.roleNeeded', { roles: [...ROLES] }))
        const schools = checkSchools(values.schools)
        const password = checkPassword(values.password)
        const u = await withStore(async (store) => {
          const row = await store.users.add({
            username: name,
            role: values.role!,
            ...(values.name !== undefined ? { name: values.name } : {}),
            ...(schools ? { schools } : {}),
            hash: hashSecret(password),
          })
          await record('user.create', row, { schools: row.schools ?? null })(store)
          return row
        })
        console.log(t(locale, 'admin.user.added', describe(locale, u)))
        if (values.password === undefined) console.log(t(locale, 'admin.user.password', { password }))
        return
      }
      case 'passwd': {
        only(['password'])
        const name = who()
        const password = checkPassword(values.password)
        const closed = await withStore(async (store) => {
          const row = await store.users.update(name, { hash: hashSecret(password) })
          const n = await store.sessions.closeAll(row.id)
          await record('user.password', row)(store)
          return n
        })
        console.log(t(locale, 'admin.user.passwordSet', { username: name, sessions: closed }))
        if (values.password === undefined) console.log(t(locale, 'admin.user.password', { password }))
        return
      }
      case 'set': {
        only(['role', 'name', 'schools'])
        const name = who()
        if (values.role === undefined && values.name === undefined && values.schools === undefined)
          throw usageError(msg('admin.user.nothingToSet'))
        const schools = checkSchools(values.schools)
        const u = await withStore(async (store) => {
          const row = await store.users.update(name, {
            ...(values.role !== undefined ? { role: values.role } : {}),
            ...(values.name !== undefined ? { name: values.name } : {}),
            ...(schools !== undefined ? { schools } : {}),
          })
          await record('user.update', row, { name: row.name, schools: row.schools ?? null })(store)
          return row
        })
        console.log(t(locale, 'admin.user.updated', describe(locale, u)))
        return
      }
      case 'disable': {
        only([])
        const u = await withStore(async (store) => {
          const row = await store.users.disable(who())
          await record('user.disable', row)(store)
          return row
        })
        console.log(t(locale, 'admin.user.disabled', { username: u.username }))
        return
      }
      case 'enable': {
        only([])
        const u = await withStore(async (store) => {
          const row = await store.users.enable(who())
          await record('user.enable', row)(store)
          return row
        })
        console.log(t(locale, 'admin.user.enabled', { username: u.username }))
        return
      }
      case 'list': {
        only(['all'])
        if (username) throw usageError(msg('cli.unexpectedArgument', { argument: username }))
        const users = await withStore((store) => store.users.list(values.all === true))
        console.log(users.length ? table(locale, users) : t(locale, 'admin.user.none'))
        return
      }
      default:
        throw usageError(msg('cli.unknownCommand', { command }))
    }
  },
}
