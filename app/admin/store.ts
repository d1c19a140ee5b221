/**
 * `npm run admin -- store …`: the app store itself. `copy-to-postgres` moves a district that ran
 * on SQLite in DATA_DIR to the PostgreSQL database DATABASE_URL names, with everything it holds
 * (store/postgres/copy.ts, docs/store.md "Moving to PostgreSQL"). Run with the service stopped.
 */
import { formatTable, parseCommandLine, UsageError } from '../../core/cli.js'
import { readEnv } from '../../core/config/env.js'
import { SchoolmeterError } from '../../core/errors.js'
import { type Locale, type Message, msg, t } from '../../core/i18n/index.js'
import { type CopyReport, copyToPostgres } from '../../store/index.js'
import type { Area } from '../admin.js'

function usageError(sentence: Message): UsageError {
  return new UsageError(sentence, 'admin.store.usage')
}

function parse(args: string[]) {
  return parseCommandLine(
    {
      args,
      allowPositionals: true,
      strict: true,
      options: {
        replace: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    'admin.store.usage',
  )
}

function report(locale: Locale, copied: CopyReport): string {
  const header = (['table', 'rows'] as const).map((column) => t(locale, 'admin.store.column', { column }))
  const rows = copied.tables.reduce((sum, c) => sum + c.rows, 0)
  return [
    formatTable([header, ...copied.tables.map((c) => [c.table, String(c.rows)])]),
    '',
    t(locale, 'admin.store.copied', {
      rows,
      tables: copied.tables.length,
      file: copied.file,
      server: copied.server,
    }),
    t(locale, 'admin.store.kept', { tables: copied.kept }),
    t(locale, 'admin.store.next'),
  ].join('\n')
}

async function run(args: string[], locale: Locale): Promise<void> {
  const { values, positionals } = parse(args)
  const [command, ...rest] = positionals
  if (values.help || !command || command === 'help') {
    console.log(t(locale, 'admin.store.usage'))
    return
  }
  if (command !== 'copy-to-postgres') throw usageError(msg('cli.unknownCommand', { command }))
  if (rest.length) throw usageError(msg('cli.unexpectedArgument', { argument: rest.join(' ') }))
  const env = readEnv()
  if (!env.DATABASE_URL) throw new SchoolmeterError('DATABASE_URL_MISSING', msg('store.copy.noDatabaseUrl'))
  const copied = await copyToPostgres({
    dataDir: env.DATA_DIR,
    url: env.DATABASE_URL,
    replace: values.replace === true,
  })
  console.log(report(locale, copied))
}

export const storeArea: Area = { run }
