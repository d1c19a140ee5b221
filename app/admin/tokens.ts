/**
 * `npm run admin -- token …`: API bearer tokens in the store in DATA_DIR. A token is printed once,
 * when it is made or rotated (alone on stdout, so `$(…)` can take it); the store keeps its hash.
 * Every change is recorded in the audit log as `cli:<user>`.
 */
import { userInfo } from 'node:os'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { readEnv } from '../../core/config/env.js'
import { SchoolmeterError } from '../../core/errors.js'
import { openStore, type Store } from '../../store/index.js'
import { type ApiToken, ROLES } from '../../store/security.js'

const HELP = `usage: npm run admin -- token <command> [options]

commands:
  add --name NAME --role ROLE   make a token and print it (once); ROLE is ${ROLES.join(', ')}
  rotate ID|NAME                a new secret for the token, printed once; the old one stops working
  revoke ID|NAME                the token stops working at once
  list [--all]                  active tokens (--all: revoked ones too); never a secret or a hash

roles: viewer reads; maintenance also acknowledges and resolves alerts; admin does everything,
including managing tokens through the API.

The store is DATA_DIR (default ./data), as for the service; a running service sees changes at once.
Once a token exists, the API asks every request for one, on loopback too (unless ALLOW_ANONYMOUS=1).
`

function usageError(message: string): SchoolmeterError {
  return new SchoolmeterError('USAGE', `token: ${message}\n\n${HELP}`)
}

/** Who runs the CLI, as the audit log records it. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`
  } catch {
    return `cli:${process.env.USER ?? 'unknown'}`
  }
}

function when(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}

function table(tokens: ApiToken[]): string {
  const rows = [
    ['id', 'name', 'role', 'created (UTC)', 'last used', 'revoked'],
    ...tokens.map((t) => [t.id, t.name, t.role, when(t.createdAt), when(t.lastUsedAt), when(t.revokedAt)]),
  ]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

function issued(token: string, t: ApiToken, verb: string): void {
  console.error(
    `${verb} token "${t.name}" (id ${t.id}, role ${t.role}). It is shown this once; keep it safe:`,
  )
  console.log(token)
  console.error('Send it as the header "Authorization: Bearer <token>".')
}

async function run(args: string[]): Promise<void> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(args)
  } catch (err) {
    throw usageError((err as Error).message)
  }
  const { values, positionals } = parsed
  const [command, ...rest] = positionals
  if (values.help || !command || command === 'help') {
    process.stdout.write(HELP)
    return
  }
  const env = readEnv()
  const open = () => openStore(resolve(env.DATA_DIR))
  const one = (what: string) => {
    if (rest.length !== 1) throw usageError(`${command} takes one token id or name, ${what}`)
    return rest[0]!
  }

  let store: Store | undefined
  try {
    switch (command) {
      case 'add': {
        if (rest.length) throw usageError(`add takes --name and --role, not "${rest.join(' ')}"`)
        if (!values.name) throw usageError('add needs --name, e.g. --name ops')
        if (!values.role) throw usageError(`add needs --role: ${ROLES.join(', ')}`)
        store = open()
        const first = !store.apiTokens.hasActive()
        const { token, row } = store.apiTokens.add(values.name, values.role)
        store.audit.record({
          actor: cliActor(),
          action: 'token.create',
          target: `token:${row.id}`,
          detail: { name: row.name, role: row.role },
        })
        issued(token, row, 'Made')
        if (first)
          console.error(
            'This is the first active token: from now on the API asks every request for a token (unless ALLOW_ANONYMOUS=1).',
          )
        return
      }
      case 'rotate': {
        const ref = one('e.g. `token rotate ops`')
        store = open()
        const { token, row } = store.apiTokens.rotate(ref)
        store.audit.record({
          actor: cliActor(),
          action: 'token.rotate',
          target: `token:${row.id}`,
          detail: { name: row.name, role: row.role },
        })
        issued(token, row, 'Rotated')
        return
      }
      case 'revoke': {
        const ref = one('e.g. `token revoke ops`')
        store = open()
        const row = store.apiTokens.revoke(ref)
        store.audit.record({
          actor: cliActor(),
          action: 'token.revoke',
          target: `token:${row.id}`,
          detail: { name: row.name, role: row.role },
        })
        console.log(`Revoked token "${row.name}" (id ${row.id}, role ${row.role}); it no longer works.`)
        if (!store.apiTokens.hasActive())
          console.error(
            'No active token is left: an API on loopback asks for none again; one beyond loopback refuses to start.',
          )
        return
      }
      case 'list': {
        if (rest.length) throw usageError(`list takes no arguments, not "${rest.join(' ')}"`)
        store = open()
        const tokens = store.apiTokens.list(values.all === true)
        console.log(
          tokens.length ? table(tokens) : 'No API tokens. Make one with `npm run admin -- token add`.',
        )
        return
      }
      default:
        throw usageError(`unknown command "${command}"`)
    }
  } finally {
    store?.close()
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      all: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

export const tokenArea = {
  describe: 'API bearer tokens (add, rotate, revoke, list)',
  run,
}
