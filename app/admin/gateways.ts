/**
 * `npm run admin -- gateway …`: MQTT logins of gateways for the embedded broker. A username is
 * bound to one school of the registry; its password is stored as a scrypt hash and shown only
 * when it is made. A running service reads the store on every CONNECT and re-checks live
 * sessions every 10 s, so a revoked or rotated login stops working without a restart.
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { readEnv } from '../../core/config/env.js'
import { DEMO_CONFIG_PATH, loadConfigFile } from '../../core/config/load.js'
import { DEVICE_ID } from '../../core/config/schema.js'
import { SchoolmeterError } from '../../core/errors.js'
import { hashSecret, newSecret } from '../../core/secrets.js'
import { clientIdsOverlap } from '../../ingest/broker/security.js'
import { type GatewayCredential, openStore, type Store } from '../../store/index.js'
import { cliActor } from './tokens.js'

const USAGE = [
  'usage: npm run admin -- gateway <command> [options]',
  '',
  'commands:',
  '  add <username> --school <id> [--password <p>] [--alerts] [--client-id-prefix <p>] [--note <text>]',
  '        a login for one gateway of one school; without --password one is generated and shown once',
  '        --alerts: it may also subscribe to schools/<id>/alerts (schools/<id>/rejected it always may)',
  "        --client-id-prefix: MQTT client ids starting with it are the gateway's too",
  '  set <username> --client-id-prefix <p>',
  "        gives the gateway the client ids starting with <p> ('' takes them away again)",
  '  rotate <username> [--password <p>]',
  '        a new password; the old one stops working, live sessions with it are closed',
  '  revoke <username>',
  '        the login stops working, live sessions with it are closed (within 10 s)',
  '  list',
  '        every login with its school, alerts right and dates (never a password)',
  '',
  'A gateway publishes only under schools/<id>/ and logs in with MQTT username and password.',
  'Its MQTT client id must be its username, <username>/<anything>, or start with its prefix;',
  'no other login may use those, so nobody can take over its session.',
  'The store is DATA_DIR (default ./data); schools come from CONFIG (the demo district when unset),',
  'as for the service. While any login is active, the embedded broker refuses anonymous clients',
  'unless ALLOW_ANONYMOUS=1.',
].join('\n')

/** Generated and given passwords alike: long enough that guessing over MQTT is hopeless. */
const MIN_PASSWORD_LENGTH = 16
const RESERVED_PREFIX = 'schoolmeter-internal'
const usernamePattern = new RegExp(DEVICE_ID)

function usageError(message: string): SchoolmeterError {
  return new SchoolmeterError('USAGE', `${message}\n\n${USAGE}`)
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        school: { type: 'string' },
        password: { type: 'string' },
        alerts: { type: 'boolean' },
        note: { type: 'string' },
        'client-id-prefix': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (err) {
    throw usageError((err as Error).message)
  }
}

function checkUsername(username: string | undefined): string {
  if (!username) throw usageError('a username is needed')
  if (!usernamePattern.test(username))
    throw usageError(
      `username "${username}" does not match ${DEVICE_ID} (letters, digits, _ . -; at most 128)`,
    )
  if (username.startsWith(RESERVED_PREFIX))
    throw usageError(`usernames starting with "${RESERVED_PREFIX}" are the service's own`)
  return username
}

function checkPassword(password: string | undefined): string {
  if (password === undefined) return newSecret()
  if (password.length < MIN_PASSWORD_LENGTH)
    throw usageError(
      `--password is too short (${password.length} characters; at least ${MIN_PASSWORD_LENGTH}). Leave it out to get a generated one`,
    )
  return password
}

/**
 * A client id prefix: printable, no MQTT wildcards, not the service's own; and no id it starts
 * may belong to another active login (checked against them all).
 */
function checkPrefix(store: Store, username: string, prefix: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (prefix.length > 64 || /[\u0000-\u001f\u007f+#]/.test(prefix))
    throw usageError(`--client-id-prefix "${prefix}" must be 1 to 64 printable characters without + or #`)
  if (prefix.startsWith('schoolmeter'))
    throw usageError('client ids starting with "schoolmeter" are the service\'s own')
  const mine = { username, clientIdPrefix: prefix }
  const other = store.gatewayCredentials
    .listActive()
    .find((c) => c.username !== username && clientIdsOverlap(mine, c))
  if (other)
    throw new SchoolmeterError(
      'CLIENT_ID_TAKEN',
      `client ids starting with "${prefix}" would reach into those of gateway "${other.username}" ("${other.username}", "${other.username}/…"${other.clientIdPrefix !== undefined ? `, "${other.clientIdPrefix}…"` : ''}); choose a prefix of its own`,
    )
}

function withStore<T>(fn: (store: Store) => T): T {
  const env = readEnv()
  const store = openStore(resolve(env.DATA_DIR))
  try {
    return fn(store)
  } finally {
    store.close()
  }
}

function time(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}

function add(
  username: string,
  o: { school?: string; password?: string; alerts?: boolean; note?: string; 'client-id-prefix'?: string },
) {
  if (!o.school) throw usageError('--school <id> is needed: the school whose topics the gateway publishes to')
  const env = readEnv()
  const config = loadConfigFile(env.CONFIG ? resolve(env.CONFIG) : DEMO_CONFIG_PATH)
  if (!config.registry.schools.has(o.school)) {
    throw new SchoolmeterError(
      'UNKNOWN_SCHOOL',
      `school "${o.school}" is not in the registry (${config.source}); known: ${[...config.registry.schools.keys()].join(', ')}. Set CONFIG to your district's file as for the service.`,
    )
  }
  const password = checkPassword(o.password)
  const prefix = o['client-id-prefix'] || undefined
  withStore((store) => {
    // A new username may not fall among another login's prefixed client ids either.
    const taken = store.gatewayCredentials
      .listActive()
      .find((c) => c.username !== username && clientIdsOverlap({ username }, c))
    if (taken)
      throw new SchoolmeterError(
        'CLIENT_ID_TAKEN',
        `username "${username}" is among the client ids of gateway "${taken.username}" (prefix "${taken.clientIdPrefix}"); choose another username`,
      )
    if (prefix !== undefined) checkPrefix(store, username, prefix)
    const added = store.gatewayCredentials.add({
      username,
      schoolId: o.school!,
      hash: hashSecret(password),
      maySubscribeAlerts: !!o.alerts,
      ...(o.note !== undefined ? { note: o.note } : {}),
      ...(prefix !== undefined ? { clientIdPrefix: prefix } : {}),
    })
    if (!added) {
      const existing = store.gatewayCredentials.get(username)!
      throw new SchoolmeterError(
        'GATEWAY_EXISTS',
        `gateway "${username}" already has an active login (school ${existing.schoolId}); use \`gateway rotate ${username}\` for a new password, or revoke it first`,
      )
    }
    store.audit.record({
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
  console.log(
    `gateway "${username}" may now publish under schools/${o.school}/ (subscribe: rejected${o.alerts ? ', alerts' : ''}), ` +
      `with the MQTT client id "${username}", "${username}/…"${prefix !== undefined ? ` or "${prefix}…"` : ''}`,
  )
  if (o.password === undefined) console.log(`password (shown only now; put it in the gateway): ${password}`)
}

function rotate(username: string, o: { password?: string }) {
  const password = checkPassword(o.password)
  withStore((store) => {
    if (!store.gatewayCredentials.rotate(username, hashSecret(password))) throw notActive(store, username)
    store.audit.record({ actor: cliActor(), action: 'gateway.rotate', target: `gateway:${username}` })
  })
  console.log(`gateway "${username}" has a new password; the old one no longer works`)
  if (o.password === undefined) console.log(`password (shown only now; put it in the gateway): ${password}`)
}

function setPrefix(username: string, o: { 'client-id-prefix'?: string }) {
  const given = o['client-id-prefix']
  if (given === undefined) throw usageError("set needs --client-id-prefix <prefix> ('' to take it away)")
  const prefix = given || undefined
  withStore((store) => {
    if (prefix !== undefined) checkPrefix(store, username, prefix)
    if (!store.gatewayCredentials.setClientIdPrefix(username, prefix)) throw notActive(store, username)
    store.audit.record({
      actor: cliActor(),
      action: 'gateway.client_ids',
      target: `gateway:${username}`,
      detail: { clientIdPrefix: prefix ?? null },
    })
  })
  console.log(
    `gateway "${username}" may use the MQTT client id "${username}", "${username}/…"${prefix !== undefined ? ` or "${prefix}…"` : ''}; ` +
      'a running service applies it to the next CONNECT',
  )
}

function revoke(username: string) {
  withStore((store) => {
    if (!store.gatewayCredentials.revoke(username)) throw notActive(store, username)
    store.audit.record({ actor: cliActor(), action: 'gateway.revoke', target: `gateway:${username}` })
  })
  console.log(
    `gateway "${username}" is revoked: it can no longer connect, and a running service closes its sessions`,
  )
}

function notActive(store: Store, username: string): SchoolmeterError {
  const c = store.gatewayCredentials.get(username)
  return new SchoolmeterError(
    'GATEWAY_NOT_FOUND',
    c
      ? `gateway "${username}" was revoked on ${time(c.revokedAt)}; add it again with \`gateway add ${username} --school …\``
      : `no gateway "${username}"; \`gateway list\` shows them`,
  )
}

function list() {
  const rows = withStore((store) => store.gatewayCredentials.list())
  if (rows.length === 0) {
    console.log('no gateway logins yet; add one with `npm run admin -- gateway add <username> --school <id>`')
    return
  }
  const cells = (c: GatewayCredential) => [
    c.username,
    c.schoolId,
    c.maySubscribeAlerts ? 'yes' : 'no',
    c.revokedAt !== undefined ? 'revoked' : 'active',
    `${c.username}, ${c.username}/…${c.clientIdPrefix !== undefined ? `, ${c.clientIdPrefix}…` : ''}`,
    time(c.createdAt),
    time(c.rotatedAt),
    time(c.revokedAt),
    c.note ?? '',
  ]
  const table = [
    ['username', 'school', 'alerts', 'status', 'client ids', 'created', 'rotated', 'revoked', 'note'],
    ...rows.map(cells),
  ]
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)))
  for (const r of table)
    console.log(
      r
        .map((v, i) => v.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
}

export const gatewayArea = {
  describe: 'MQTT credentials of gateways (add, set, rotate, revoke, list)',
  async run(args: string[]): Promise<void> {
    const { values, positionals } = parse(args)
    const [command, username, ...extra] = positionals
    if (values.help || !command || command === 'help') {
      console.log(USAGE)
      return
    }
    if (extra.length > 0) throw usageError(`unexpected argument(s): ${extra.join(' ')}`)
    const only = (allowed: string[]) => {
      const wrong = Object.keys(values).filter((k) => !allowed.includes(k))
      if (wrong.length > 0) throw usageError(`${command} takes no --${wrong.join(', --')}`)
    }
    switch (command) {
      case 'add':
        only(['school', 'password', 'alerts', 'note', 'client-id-prefix'])
        return add(checkUsername(username), values)
      case 'set':
        only(['client-id-prefix'])
        return setPrefix(checkUsername(username), values)
      case 'rotate':
        only(['password'])
        return rotate(checkUsername(username), values)
      case 'revoke':
        only([])
        return revoke(checkUsername(username))
      case 'list':
        only([])
        if (username) throw usageError(`unexpected argument: ${username}`)
        return list()
      default:
        throw usageError(`unknown command "${command}"`)
    }
  },
}
