/** One error catalogue: every error the service raises on purpose has a code and says what to do. */
export class SchoolmeterError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'SchoolmeterError'
  }
}

export interface ConfigProblem {
  /** Where: a config path like `schools[1].buildings[0].meters[3].kind`, or an environment variable. */
  path: string
  /** The offending value, as found. */
  value?: unknown
  /** What was expected instead. */
  expected: string
  /** 1-based line in the config file, when known. */
  line?: number
}

export class ConfigError extends SchoolmeterError {
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super('CONFIG_INVALID', formatProblems(source, problems))
    this.name = 'ConfigError'
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing'
  const s = JSON.stringify(value)
  if (s === undefined) return String(value)
  return s.length > 80 ? `${s.slice(0, 77)}...` : s
}

function formatProblems(source: string, problems: ConfigProblem[]): string {
  const lines = problems.slice(0, 25).map((p) => {
    const where = p.line ? `${p.path} (line ${p.line})` : p.path
    return `  - ${where}: got ${show(p.value)}; expected ${p.expected}`
  })
  if (problems.length > 25) lines.push(`  … and ${problems.length - 25} more`)
  return `invalid configuration in ${source}:\n${lines.join('\n')}`
}
