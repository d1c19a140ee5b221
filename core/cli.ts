/**
 * What the command-line tools share: options parsed with Node's parseArgs but refused in a
 * sentence of the reader's language, and tables whose columns line up with Chinese text in them.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { eastAsianWidth } from 'get-east-asian-width'
import { SchoolmeterError } from './errors.js'
import { type Locale, type Message, type MessageKey, msg, t } from './i18n/index.js'

/** A command line the tool cannot take: the sentence, then the tool's usage. */
export class UsageError extends SchoolmeterError {
  constructor(
    sentence: Message,
    /** The usage text to show after it. */
    readonly usage?: MessageKey,
  ) {
    super('USAGE', sentence)
    this.name = 'UsageError'
  }

  /** The sentence and the usage, as printed. */
  explain(locale: Locale): string {
    return this.usage ? `${this.text(locale)}\n\n${t(locale, this.usage)}` : this.text(locale)
  }
}

/** parseArgs, its refusals as UsageErrors naming the option. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T, usage?: MessageKey) {
  try {
    return parseArgs(config)
  } catch (err) {
    throw new UsageError(refusal(err as NodeJS.ErrnoException), usage)
  }
}

function refusal(err: NodeJS.ErrnoException): Message {
  // parseArgs names the option or argument in quotes: "Unknown option '--sheep'".
  const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? ''
  const option = quoted.split(/[ ,]/).find((w) => w.startsWith('-')) ?? quoted
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return msg('cli.unknownOption', { option })
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(err.message)
        ? msg('cli.optionNeedsValue', { option })
        : msg('cli.optionTakesNoValue', { option })
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return msg('cli.unexpectedArgument', { argument: quoted })
    default:
      return msg('cli.badCommandLine', { detail: err.message })
  }
}

/** Columns a string takes on a terminal: CJK characters take two. */
export function displayWidth(s: string): number {
  let w = 0
  for (const ch of s) w += eastAsianWidth(ch.codePointAt(0)!)
  return w
}

/** Rows as aligned columns, two spaces apart; the first row is the header. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => displayWidth(r[i] ?? '')))) ?? []
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell + ' '.repeat(Math.max(0, widths[i]! - displayWidth(cell))))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** The time zone of the machine the tool runs on: a person at a terminal reads local times. */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone
}
