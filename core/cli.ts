/**
 * What the command-line tools share: options parsed with Node's parseArgs but refused in a
 * sentence of the reader's language, and tables whose columns line up with Chinese text in them.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { eastAsianWidth } from 'get-east-asian-width'
import { SchoolmeterError } from './errors.js'
import {
  formatNumber,
  type Locale,
  type Message,
  type MessageKey,
  type MessageParams,
  msg,
  t,
} from './i18n/index.js'
import type { ProgressState } from './progress.js'

/** A command line the tool cannot take: the sentence, then the tool's usage. */
export class UsageError extends SchoolmeterError {
  constructor(
    sentence: Message,
    /** The usage text to show after it. */
    readonly usage?: MessageKey,
    /** Its parameters, where the usage lists things known only at run time. */
    readonly usageParams?: MessageParams,
  ) {
    super('USAGE', sentence)
    this.name = 'UsageError'
  }

  /** The sentence and the usage, as printed. */
  explain(locale: Locale): string {
    return this.usage
      ? `${this.text(locale)}\n\n${t(locale, this.usage, this.usageParams)}`
      : this.text(locale)
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

/**
 * A tool's command line: `--help` (or `-h`) prints the usage and ends the process; a command line
 * the tool cannot take — an unknown option, a missing value, or a value `refuse` is given — is
 * answered with a sentence and where to find the options, on stderr, exit code 2; never a stack
 * trace.
 */
export function toolCommandLine<T extends ParseArgsConfig>(
  config: T,
  o: {
    /** The npm script that runs the tool: `simulate` for `npm run simulate`, `start`. */
    script: string
    usage: MessageKey
    locale: Locale
    usageParams?: MessageParams
  },
) {
  const refuse = (sentence: Message): never => {
    console.error(
      `${t(o.locale, sentence.key, sentence.params)}\n${t(o.locale, 'cli.seeHelp', { script: o.script })}`,
    )
    process.exit(2)
  }
  const parsed = (() => {
    try {
      return parseArgs(config)
    } catch (err) {
      return refuse(refusal(err as NodeJS.ErrnoException))
    }
  })()
  if ((parsed.values as { help?: unknown }).help) {
    console.log(t(o.locale, o.usage, o.usageParams))
    process.exit(0)
  }
  // The parsed result as it is typed (not its fields taken apart, which would lose the types).
  return Object.assign(parsed, { refuse })
}

/** `45 s`, `4.5 min`, `1.2 hr` / `45秒`, `4.5分钟`, `1.2小时`: time left, to the nearest sensible unit. */
export function formatSeconds(locale: Locale, seconds: number): string {
  const unit = (value: number, name: 'second' | 'minute' | 'hour', digits: number) =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: name, maximumFractionDigits: digits }).format(value)
  if (seconds < 90) return unit(Math.max(1, Math.round(seconds)), 'second', 0)
  if (seconds < 90 * 60) return unit(seconds / 60, 'minute', 1)
  return unit(seconds / 3600, 'hour', 1)
}

/**
 * The progress line of a CLI: `backfill: 38 % done (650,000 readings, simulated to …), 24,000
 * readings/s, 27 s so far, about 45 s left`. `done` and `rate` are the tool's own phrases.
 */
export function progressLine(
  locale: Locale,
  p: ProgressState,
  words: { what: string; done: string; rate: string },
): string {
  const params = {
    ...words,
    percent: new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(p.fraction),
    elapsed: formatSeconds(locale, p.elapsedSeconds),
  }
  return p.secondsLeft === undefined || p.fraction >= 1
    ? t(locale, 'cli.progress.noEstimate', params)
    : t(locale, 'cli.progress', { ...params, left: formatSeconds(locale, p.secondsLeft) })
}

/** A whole count for the reader: `1,724,154` / `1,724,154`. */
export function formatCount(locale: Locale, n: number): string {
  return formatNumber(locale, Math.round(n), 0)
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
