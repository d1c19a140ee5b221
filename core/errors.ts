/**
 * One error catalogue: every error the service raises on purpose has a code and says what to do.
 * The sentence is a catalogue message, rendered for whoever reads it (`text(locale)`); `message`
 * holds its English rendering for logs and stack traces.
 */
import { DEFAULT_LOCALE, type Locale, type Message, render, t } from './i18n/index.js'

export class SchoolmeterError extends Error {
  constructor(
    readonly code: string,
    /** A catalogue message; a plain string only where an area still awaits the catalogues. */
    readonly sentence: Message | string,
  ) {
    super(typeof sentence === 'string' ? sentence : render('en', sentence))
    this.name = 'SchoolmeterError'
  }

  /** The sentence for a reader of `locale`. */
  text(locale: Locale = DEFAULT_LOCALE): string {
    return typeof this.sentence === 'string' ? this.sentence : render(locale, this.sentence)
  }
}

export interface ConfigProblem {
  /** Where: a config path like `schools[1].buildings[0].meters[3].kind`, or an environment variable. */
  path: string
  /** The offending value, as found. */
  value?: unknown
  /** What was expected instead (a plain string only from the simulator's scenario files, still in English). */
  expected: Message | string
  /** 1-based line in the config file, when known. */
  line?: number
}

/** The source of problems that are in environment variables rather than in a file. */
export const ENVIRONMENT: Message = { key: 'config.source.environment' }

export class ConfigError extends SchoolmeterError {
  constructor(
    /** A file name, or a message naming where the values came from (ENVIRONMENT). */
    readonly source: string | Message,
    readonly problems: ConfigProblem[],
  ) {
    super('CONFIG_INVALID', '')
    this.name = 'ConfigError'
    this.message = this.text('en')
  }

  override text(locale: Locale = DEFAULT_LOCALE): string {
    return formatProblems(locale, this.source, this.problems)
  }
}

const SHOWN_PROBLEMS = 25

function show(locale: Locale, value: unknown): string {
  if (value === undefined) return t(locale, 'config.value.missing')
  const s = JSON.stringify(value)
  if (s === undefined) return String(value)
  return s.length > 80 ? `${s.slice(0, 77)}...` : s
}

function formatProblems(locale: Locale, source: string | Message, problems: ConfigProblem[]): string {
  const lines = problems.slice(0, SHOWN_PROBLEMS).map((p) => {
    const expected = typeof p.expected === 'string' ? p.expected : render(locale, p.expected)
    const value = show(locale, p.value)
    return p.line
      ? t(locale, 'config.problem.atLine', { path: p.path, line: p.line, value, expected })
      : t(locale, 'config.problem', { path: p.path, value, expected })
  })
  if (problems.length > SHOWN_PROBLEMS)
    lines.push(t(locale, 'config.problem.more', { count: problems.length - SHOWN_PROBLEMS }))
  const where = typeof source === 'string' ? source : render(locale, source)
  return `${t(locale, 'config.invalid', { source: where })}\n${lines.join('\n')}`
}
