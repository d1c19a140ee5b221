/**
 * `npm run admin -- gateway …`: MQTT logins of gateways for the embedded broker. A username is
 * bound to one school of the registry; its password is stored as a scrypt hash and shown only
 * when it is made. A running service reads the store on every CONNECT and re-checks live
 * sessions every 10 s, so a revoked or rotated login stops working without a restart.
 *
 * On a NATS cluster the logins are the broker's: `gateway nats-users` writes them as NATS users
 * (ingest/broker/nats-users.ts), each password as the bcrypt hash `add` and `rotate` keep beside
 * the scrypt one, for the nodes to reload (docs/scaling.md).
 */
import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { formatTable, localZone, parseCommandLine, UsageError } from '../../core/cli.js'
import { readEnv } from '../../core/config/env.js'
import { DEMO_CONFIG_PATH, loadConfigFile } from '../../core/config/load.js'
import { DEVICE_ID } from '../../core/config/schema.js'
import { SchoolmeterError } from '../../core/errors.js'
import { writeFileAtomically } from '../../core/files.js'
import { formatDateTime, type Locale, type Message, msg, t } from '../../core/i18n/index.js'
import { BCRYPT_MAX_BYTES, bcryptHashSecret, hashSecret, newSecret } from '../../core/secrets.js'
import { clientIdsOverlap, isWorkerUsername, natsUsers } from '../../ingest/index.js'
import { type GatewayCredential, openConfiguredStore, type Store } from '../../store/index.js'
import type { Area } from '../admin.js'
import { cliActor } from './tokens.js'

/** Generated and given passwords alike: long enough that guessing over MQTT is hopeless. */
const MIN_PASSWORD_LENGTH = 16
const RESERVED_PREFIX = 'schoolmeter-internal'
const usernamePattern = new RegExp(DEVICE_ID)

function usageError(sentence: Message): UsageError {
  return new UsageError(sentence, 'admin.gateway.usage')
}

function parse(args: string[]) {
  return parseCommandLine(
    {
      args,
      allowPositionals: true,
      strict: true,
      options: {
        school: { type: 'string' },
        password: { type: 'string' },
        alerts: { type: 'boolean' },
        note: { type: 'string' },
        'client-id-prefix': { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    'admin.gateway.usage',
  )
}

function checkUsername(username: string | undefined): string {
  if (!username) throw usageError(msg('admin.gateway.usernameNeeded'))
  if (!usernamePattern.test(username)) throw usageError(msg('admin.gateway.usernameBad', { username }))
  if (username.startsWith(RESERVED_PREFIX))
    throw usageError(msg('admin.gateway.usernameReserved', { prefix: RESERVED_PREFIX }))
  return username
}

function checkPassword(password: string | undefined): string {
  if (password === undefined) return newSecret()
  if (password.length < MIN_PASSWORD_LENGTH)
    throw usageError(
      msg('admin.gateway.passwordShort', { length: password.length, minimum: MIN_PASSWORD_LENGTH }),
    )
  // bcrypt (the hash a NATS cluster checks) reads no further; a longer password would be cut there.
  if (Buffer.byteLength(password) > BCRYPT_MAX_BYTES)
    throw usageError(
      msg('admin.gateway.nats.passwordLong', {
        bytes: Buffer.byteLength(password),
        maximum: BCRYPT_MAX_BYTES,
      }),
    )
  return password
}

/** Both hashes of a password: scrypt for the embedded broker, bcrypt for a NATS cluster. */
function hashes(password: string): { hash: string; bcryptHash: string } {
  return { hash: hashSecret(password), bcryptHash: bcryptHashSecret(password) }
}

/**
 * A client id prefix: printable, no MQTT wildcards, not the service's own; and no id it starts
 * may belong to another active login (checked against them all).
 */
function checkPrefix(store: Store, username: string, prefix: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (prefix.length > 64 || /[\u0000-\u001f\u007f+#]/.test(prefix))
    throw usageError(msg('admin.gateway.prefixBad', { prefix }))
  if (prefix.startsWith('schoolmeter')) throw usageError(msg('admin.gateway.prefixReserved'))
  const mine = { username, clientIdPrefix: prefix }
  const other = store.gatewayCredentials
    .listActive()
    .find((c) => c.username !== username && clientIdsOverlap(mine, c))
  if (other)
    throw new SchoolmeterError(
      'CLIENT_ID_TAKEN',
      msg('admin.gateway.prefixTaken', { prefix, other: other.username, ids: clientIds(other) }),
    )
}

async function withStore<T>(fn: (store: Store) => T | Promise<T>): Promise<T> {
  const env = readEnv()
  const store = await openConfiguredStore(env)
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

/** The client ids a login may use, as written in messages and tables (the same in any language). */
function clientIds(c: { username: string; clientIdPrefix?: string | undefined }): string {
  return `${c.username}, ${c.username}/…${c.clientIdPrefix !== undefined ? `, ${c.clientIdPrefix}…` : ''}`
}

function time(locale: Locale, ms: number | undefined): string {
  return ms === undefined ? '-' : formatDateTime(locale, ms, localZone())
}

async function add(
  locale: Locale,
  username: string,
  o: { school?: string; password?: string; alerts?: boolean; note?: string; 'client-id-prefix'?: string },
) {
  if (!o.school) throw usageError(msg('admin.gateway.schoolNeeded'))
  const env = readEnv()
  const config = loadConfigFile(env.CONFIG ? resolve(env.CONFIG) : DEMO_CONFIG_PATH)
  if (!config.registry.schools.has(o.school)) {
    throw new SchoolmeterError(
      'UNKNOWN_SCHOOL',
      msg('admin.gateway.unknownSchool', {
        school: o.school,
        source: config.source,
        known: [...config.registry.schools.keys()],
      }),
    )
  }
  const password = checkPassword(o.password)
  const prefix = o['client-id-prefix'] || undefined
  await withStore(async (store) => {
    // A new username may not fall among another login's prefixed client ids either.
    const taken = store.gatewayCredentials
      .listActive()
      .find((c) => c.username !== username && clientIdsOverlap({ username }, c))
    if (taken)
      throw new SchoolmeterError(
        'CLIENT_ID_TAKEN',
        msg('admin.gateway.usernameTaken', {
          username,
          other: taken.username,
          prefix: taken.clientIdPrefix ?? '',
        }),
      )
    if (prefix !== undefined) checkPrefix(store, username, prefix)
    const added = store.gatewayCredentials.add({
      username,
      schoolId: o.school!,
      ...hashes(password),
      maySubscribeAlerts: !!o.alerts,
      ...(o.note !== undefined ? { note: o.note } : {}),
      ...(prefix !== undefined ? { clientIdPrefix: prefix } : {}),
    })
    if (!added) {
      const existing = store.gatewayCredentials.get(username)!
      throw new SchoolmeterError(
        'GATEWAY_EXISTS',
        msg('admin.gateway.exists', { username, school: existing.schoolId }),
      )
    }
    await store.audit.record({
      actor: cliActor(),
      action: 'gateway.create',
      target: `gateway:${username}`,
      detail: {
        school: o.school,
        alerts: !!o.alerts,
        ...(prefix !== undefined ? { clientIdPrefix: prefix } : {}),
      },
    })
  })
  const ids = t(locale, 'admin.gateway.clientIds', { username, prefix: prefix ?? 'none' })
  console.log(t(locale, 'admin.gateway.added', { username, school: o.school, alerts: !!o.alerts, ids }))
  if (o.password === undefined) console.log(t(locale, 'admin.gateway.password', { password }))
}

async function rotate(locale: Locale, username: string, o: { password?: string }) {
  const password = checkPassword(o.password)
  await withStore(async (store) => {
    if (!store.gatewayCredentials.rotate(username, hashes(password))) throw notActive(locale, store, username)
    await store.audit.record({ actor: cliActor(), action: 'gateway.rotate', target: `gateway:${username}` })
  })
  console.log(t(locale, 'admin.gateway.rotated', { username }))
  if (o.password === undefined) console.log(t(locale, 'admin.gateway.password', { password }))
}

async function setPrefix(locale: Locale, username: string, o: { 'client-id-prefix'?: string }) {
  const given = o['client-id-prefix']
  if (given === undefined) throw usageError(msg('admin.gateway.prefixNeeded'))
  const prefix = given || undefined
  await withStore(async (store) => {
    if (prefix !== undefined) checkPrefix(store, username, prefix)
    if (!store.gatewayCredentials.setClientIdPrefix(username, prefix))
      throw notActive(locale, store, username)
    await store.audit.record({
      actor: cliActor(),
      action: 'gateway.client_ids',
      target: `gateway:${username}`,
      detail: { clientIdPrefix: prefix ?? null },
    })
  })
  const ids = t(locale, 'admin.gateway.clientIds', { username, prefix: prefix ?? 'none' })
  console.log(t(locale, 'admin.gateway.prefixSet', { username, ids }))
}

async function revoke(locale: Locale, username: string) {
  await withStore(async (store) => {
    if (!store.gatewayCredentials.revoke(username)) throw notActive(locale, store, username)
    await store.audit.record({ actor: cliActor(), action: 'gateway.revoke', target: `gateway:${username}` })
  })
  console.log(t(locale, 'admin.gateway.revoked', { username }))
}

function notActive(locale: Locale, store: Store, username: string): SchoolmeterError {
  const c = store.gatewayCredentials.get(username)
  return new SchoolmeterError(
    'GATEWAY_NOT_FOUND',
    c
      ? msg('admin.gateway.wasRevoked', { username, when: time(locale, c.revokedAt) })
      : msg('admin.gateway.notFound', { username }),
  )
}

async function list(locale: Locale) {
  const rows = await withStore((store) => store.gatewayCredentials.list())
  if (rows.length === 0) {
    console.log(t(locale, 'admin.gateway.none'))
    return
  }
  const cells = (c: GatewayCredential) => [
    c.username,
    c.schoolId,
    t(locale, 'admin.yesNo', { yes: c.maySubscribeAlerts }),
    t(locale, 'admin.gateway.status', { revoked: c.revokedAt !== undefined }),
    clientIds(c),
    time(locale, c.createdAt),
    time(locale, c.rotatedAt),
    time(locale, c.revokedAt),
    c.note ?? '',
  ]
  const header = (
    ['username', 'school', 'alerts', 'status', 'clientIds', 'created', 'rotated', 'revoked', 'note'] as const
  ).map((column) => t(locale, 'admin.gateway.column', { column }))
  console.log(formatTable([header, ...rows.map(cells)]))
}

/**
 * Writes `text` to `file` so that a reader (a NATS node reloading) sees the old file or the new
 * one, never half of one: a temporary file beside it, flushed, then renamed over it. The file
 * keeps the mode of the one it replaces (the broker may run as another user); a new one is 0640.
 */
function writeAtomically(file: string, text: string): void {
  const mode = (() => {
    try {
      return statSync(file).mode & 0o777
    } catch {
      return 0o640
    }
  })()
  try {
    writeFileAtomically(file, text, { mode })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err)
    throw new SchoolmeterError('CANNOT_WRITE', msg('admin.gateway.nats.cannotWrite', { file, code }))
  }
}

/**
 * The NATS users of the active gateway logins (and the workers'), to `--out` or standard output;
 * who was left out, and why, on standard error. Passwords are never written, only bcrypt hashes.
 */
async function writeNatsUsers(locale: Locale, o: { out?: string }) {
  const env = readEnv()
  // The workers' login on the cluster is theirs (MQTT_USERNAME, MQTT_PASSWORD), as the tool runs
  // beside a worker.
  const username = env.MQTT_USERNAME
  const password = env.MQTT_PASSWORD
  if (
    username === undefined ||
    !isWorkerUsername(username) ||
    password === undefined ||
    password.length < MIN_PASSWORD_LENGTH ||
    Buffer.byteLength(password) > BCRYPT_MAX_BYTES
  )
    throw usageError(
      msg('admin.gateway.nats.workerNeeded', { minimum: MIN_PASSWORD_LENGTH, maximum: BCRYPT_MAX_BYTES }),
    )
  const credentials = await withStore((store) => store.gatewayCredentials.list())
  const users = natsUsers(credentials, {
    worker: { username, bcryptHash: bcryptHashSecret(password) },
    header: t(locale, 'admin.gateway.nats.header').split('\n'),
  })
  const out = o.out ? resolve(o.out) : undefined
  if (out) writeAtomically(out, users.text)
  else process.stdout.write(users.text)
  if (users.needRotation.length)
    console.error(
      t(locale, 'admin.gateway.nats.needRotation', {
        count: users.needRotation.length,
        usernames: users.needRotation.join(', '),
      }),
    )
  if (users.unsafe.length)
    console.error(
      t(locale, 'admin.gateway.nats.unsafe', {
        count: users.unsafe.length,
        // Quoted as JSON: a username outside the pattern may hold anything.
        usernames: users.unsafe.map((u) => JSON.stringify(u)).join(', '),
      }),
    )
  const summary = t(locale, 'admin.gateway.nats.written', {
    count: users.gateways.length,
    out: out !== undefined,
    file: out ?? '',
  })
  // Without --out, standard output is the file itself.
  if (out) console.log(summary)
  else console.error(summary)
}

export const gatewayArea: Area = {
  async run(args: string[], locale: Locale): Promise<void> {
    const { values, positionals } = parse(args)
    const [command, username, ...extra] = positionals
    if (values.help || !command || command === 'help') {
      console.log(t(locale, 'admin.gateway.usage'))
      return
    }
    if (extra.length > 0) throw usageError(msg('cli.unexpectedArgument', { argument: extra.join(' ') }))
    const only = (allowed: string[]) => {
      const wrong = Object.keys(values).filter((k) => !allowed.includes(k))
      if (wrong.length > 0)
        throw usageError(msg('cli.optionNotHere', { command, options: wrong.map((w) => `--${w}`) }))
    }
    switch (command) {
      case 'add':
        only(['school', 'password', 'alerts', 'note', 'client-id-prefix'])
        return add(locale, checkUsername(username), values)
      case 'set':
        only(['client-id-prefix'])
        return setPrefix(locale, checkUsername(username), values)
      case 'rotate':
        only(['password'])
        return rotate(locale, checkUsername(username), values)
      case 'revoke':
        only([])
        return revoke(locale, checkUsername(username))
      case 'nats-users':
        only(['out'])
        if (username) throw usageError(msg('cli.unexpectedArgument', { argument: username }))
        return writeNatsUsers(locale, values)
      case 'list':
        only([])
        if (username) throw usageError(msg('cli.unexpectedArgument', { argument: username }))
        return list(locale)
      default:
        throw usageError(msg('cli.unknownCommand', { command }))
    }
  },
}
