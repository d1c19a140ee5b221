/**
 * Finds prose in TypeScript sources: string and template literals with words strung together by
 * spaces, or Chinese characters, outside the places where prose is for operators and integrators
 * — log calls and `logLine` texts (pino lines stay English), SQL and InfluxQL, schema
 * documentation (OpenAPI, TypeBox descriptions, Prometheus help), and the messages of plain
 * Errors (stack traces and logs). Comments are not literals and are never read. Single words (a
 * title such as "Leaks") are not prose to it; the dashboards' language test covers those.
 */
import ts from 'typescript'

/** Logger methods (pino): `log.warn(…)`, `this.o.log.error(…)`, `deps.log.info(…)`. */
const LOG_METHODS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal'])
const LOGGER = /(^|\.)(log|logger)$/
/** Errors whose message is for the log and the stack trace; a person is shown a SchoolmeterError. */
const OPERATOR_ERRORS = new Set(['Error', 'TypeError', 'RangeError', 'WriteError', 'ChannelError'])
/** Documentation for integrators, in English like the contract, when it sits in a schema. */
const SCHEMA_DOCS = new Set(['description', 'summary', 'help'])
/** Properties whose object is a schema: fastify route schemas, the OpenAPI document. */
const SCHEMA_HOLDERS = new Set(['schema', 'openapi'])
const METRIC_CLASSES = new Set(['Counter', 'Gauge', 'Histogram', 'Summary'])
const QUERY = /^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|PRAGMA|WITH|SHOW)\b/

/**
 * Prose: two or more words of letters separated by single spaces (the first may be capitalised,
 * the others are lower-case, as a sentence's are), or any Chinese character.
 */
const WORDS = /(?<![\w/=.-])[A-Za-z][a-z]+(?:'[a-z]+)?[,;:]? [a-z][a-z]+(?![\w=/.-])/
const CJK = /[\u3400-\u9fff\uf900-\ufaff]/

export function isProse(text: string): boolean {
  return CJK.test(text) || WORDS.test(text)
}

export interface Finding {
  file: string
  line: number
  text: string
}

function calleeName(e: ts.Expression): string {
  if (ts.isIdentifier(e)) return e.text
  if (ts.isPropertyAccessExpression(e)) return e.name.text
  return ''
}

/** Why prose is allowed at this literal, or undefined when it is not. */
function allowed(node: ts.Node): string | undefined {
  for (let p: ts.Node | undefined = node.parent, child: ts.Node = node; p; child = p, p = p.parent) {
    if (ts.isImportDeclaration(p) || ts.isExportDeclaration(p) || ts.isLiteralTypeNode(p)) return 'module'
    if (ts.isTaggedTemplateExpression(p) && p.tag.getText() === 'influxql') return 'InfluxQL'
    if (ts.isTaggedTemplateExpression(p) && p.tag.getText() === 'logLine') return 'log'
    if (ts.isPropertyAssignment(p)) {
      if (p.name === child) return 'key'
      const name = p.name.getText().replace(/['"]/g, '')
      if (SCHEMA_HOLDERS.has(name)) return 'schema'
      if (SCHEMA_DOCS.has(name) && child === p.initializer && documentsSchema(p)) return 'schema'
    }
    if (ts.isCallExpression(p)) {
      const callee = p.expression
      if (ts.isPropertyAccessExpression(callee)) {
        if (LOG_METHODS.has(callee.name.text) && LOGGER.test(callee.expression.getText())) return 'log'
        if (['prepare', 'exec', 'pragma'].includes(callee.name.text)) return 'SQL'
      }
    }
    if (ts.isNewExpression(p) && OPERATOR_ERRORS.has(calleeName(p.expression))) return 'error'
    if (ts.isFunctionLike(p) || ts.isSourceFile(p)) return undefined
  }
  return undefined
}

/** A `description`/`summary`/`help` inside a TypeBox schema, a metric, or a route or OpenAPI schema. */
function documentsSchema(property: ts.PropertyAssignment): boolean {
  for (let p: ts.Node | undefined = property.parent; p; p = p.parent) {
    if (ts.isCallExpression(p) && p.expression.getText().startsWith('Type.')) return true
    if (ts.isNewExpression(p) && METRIC_CLASSES.has(calleeName(p.expression))) return true
    if (ts.isPropertyAssignment(p) && SCHEMA_HOLDERS.has(p.name.getText())) return true
    if (ts.isFunctionLike(p)) return false
  }
  return false
}

/** The text of a literal as a person would read it: placeholders break words, they make none. */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text
  if (ts.isTemplateExpression(node))
    return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join('\u0000')
  return undefined
}

/** Prose in a source file's literals, where it is not allowed. */
export function proseIn(file: string, source: string): Finding[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true)
  const out: Finding[] = []
  const visit = (node: ts.Node) => {
    const text = literalText(node)
    if (text !== undefined && isProse(text) && !QUERY.test(text) && !allowed(node)) {
      out.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1, text })
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return out
}
