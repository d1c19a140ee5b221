/**
 * `npm run admin -- token …`: API bearer tokens in the store in DATA_DIR. A token is printed once,
 * when it is made or rotated (alone on stdout, so `$(…)` can take it); the store keeps its hash.
 * Every change is recorded in the audit log as `cli:<user>`.
 */
import { userInfo } from 'node:os'
import { formatTable, localZone, parseCommandLine, UsageError } from '../../core/cli.js'
import { readEnv } from '../../core/config/env.js'
import { formatDateTime, type Locale, type Message, msg, t } from '../../core/i18n/index.js'
import { type ApiToken, openConfiguredStore, ROLES, type Store } from '../../store/index.js'
import type { Area } from '../admin.js'

function usageError(sentence: Message): UsageError {
  return new UsageError(sentence, 'admin.token.usage')
}

/** Who runs the CLI, as the audit log records it. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`
  } catch {
    return `cli:${process.env.USER ?? 'unknown'}`
  }
}

function when(locale: Locale, ms: number | undefined): string {
  return ms === undefined ? '-' : formatDateTime(locale, ms, localZone())
}

function table(locale: Locale, tokens: ApiToken[]): string {
  const header = (['id', 'name', 'role', 'created', 'lastUsed', 'revoked'] as const).map((column) =>
    t(locale, 'admin.token.column', { column }),
  )
  return formatTable([
    header,
    ...tokens.map((k) => [
      k.id,
      k.name,
      k.role,
      when(locale, k.createdAt),
      when(locale, k.lastUsedAt),
      when(locale, k.revokedAt),
    ]),
  ])
}

function issued(locale: Locale, token: string, row: ApiToken, rotated: boolean): void {
  console.error(t(locale, 'admin.token.issued', { rotated, name: row.name, id: row.id, role: row.role }))
  console.log(token)
  console.error(t(locale, 'admin.token.howToSend'))
}

async function run(args: string[], locale: Locale): Promise<void> {
  const { values, positionals } = parse(args)
  const [command, ...rest] = positionals
  if (values.help || !command || command === 'help') {
    console.log(t(locale, 'admin.token.usage'))
    return
  }
  const env = readEnv()
  const open = () => openConfiguredStore(env)
  const one = () => {
    if (rest.length !== 1) throw usageError(msg('admin.token.oneRef', { command }))
    return rest[0]!
  }

  let store: Store | undefined
  try {
    switch (command) {
      case 'add': {
        if (rest.length) throw usageError(msg('cli.unexpectedArgument', { argument: rest.join(' ') }))
        if (!values.name) throw usageError(msg('admin.token.nameNeeded'))
        if (!values.role) throw usageError(msg('admin.token.roleNeeded', { roles: [...ROLES] }))
        store = await open()
        const first = !(await store.apiTokens.hasActive())
        const { token, row } = await store.apiTokens.add(values.name, values.role)
        await store.audit.record({
          actor: cliActor(),
          action: 'token.create',
          target: `token:${row.id}`,
          detail: { name: row.name, role: row.role },
        })
        issued(locale, token, row, false)
        if (first) console.error(t(locale, 'admin.token.first'))
        return
      }
      case 'rotate': {
        const ref = one()
        store = await open()
        const { token, row } = await store.apiTokens.rotate(ref)
        await store.audit.record({
          actor: cliActor(),
          action: 'token.rotate',
          target: `token:${row.id}`,
          detail: { name: row.name, role: row.role },
        })
        issued(locale, token, row, true)
        return
      }
      case 'revoke': {
        const ref = one()
        store = await open()
        const row = await store.apiTokens.revoke(ref)
        await store.audit.record({
          actor: cliActor(),
          action: 'token.revoke',
          target: `token:${row.id}`,
          detail: { name: row.name, role: row.role },
        })
        console.log(t(locale, 'admin.token.revoked', { name: row.name, id: row.id, role: row.role }))
        if (!(await store.apiTokens.hasActive())) console.error(t(locale, 'admin.token.noneLeft'))
        return
      }
      case 'list': {
        if (rest.length) throw usageError(msg('cli.unexpectedArgument', { argument: rest.join(' ') }))
        store = await open()
        const tokens = await store.apiTokens.list(values.all === true)
        console.log(tokens.length ? table(locale, tokens) : t(locale, 'admin.token.none'))
        return
      }
      default:
        throw usageError(msg('cli.unknownCommand', { command }))
    }
  } finally {
    await store?.close()
  }
}

function parse(args: string[]) {
  return parseCommandLine(
    {
      args,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        role: { type: 'string' },
        all: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    'admin.token.usage',
  )
}

export const tokenArea: Area = { run }
