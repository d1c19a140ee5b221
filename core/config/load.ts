import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import Value from 'typebox/value'
import { isMap, LineCounter, parseDocument, parse as parseYaml } from 'yaml'
import { ConfigError, type ConfigProblem } from '../errors.js'
import { DEFAULT_LOCALE, isLocale, type Locale, type Message, msg } from '../i18n/index.js'
import { buildRegistry, type Registry } from '../registry.js'
import { PATTERN_MESSAGES } from './patterns.js'
import { DistrictConfig } from './schema.js'

export const DEMO_CONFIG_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'demo', 'district.yaml')

const checkDistrict = Compile(DistrictConfig)

export interface LoadedConfig {
  source: string
  config: DistrictConfig
  registry: Registry
}

/** Reads, validates and indexes a registry file (YAML or JSON). Throws ConfigError naming every problem. */
export function loadConfigFile(path: string = DEMO_CONFIG_PATH): LoadedConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(path, [
      {
        path: 'CONFIG',
        value: path,
        expected: msg('config.expected.readableFile', { detail: (err as Error).message }),
      },
    ])
  }
  return parseConfig(text, path)
}

/**
 * The language of what a person reads where the registry is not (yet) at hand — start-up errors,
 * the command-line tools: LOCALE, else the district's in the registry file (read leniently, as
 * far as it parses), else zh-CN.
 */
export function startupLocale(source: NodeJS.ProcessEnv = process.env): Locale {
  if (isLocale(source.LOCALE)) return source.LOCALE
  try {
    const text = readFileSync(source.CONFIG ? resolve(source.CONFIG) : DEMO_CONFIG_PATH, 'utf8')
    const raw = (/^\s*\{/.test(text) ? JSON.parse(text) : parseYaml(text)) as {
      district?: { locale?: unknown }
    } | null
    if (isLocale(raw?.district?.locale)) return raw.district.locale
  } catch {
    // No readable file: the default below.
  }
  return DEFAULT_LOCALE
}

export function parseConfig(text: string, source = 'config'): LoadedConfig {
  const json = parseCleanJson(text, source)
  if (json) return json
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => ({
        path: '(file)',
        expected: msg('config.expected.yaml', { detail: e.message.split('\n')[0] ?? '' }),
        line: e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line,
      })),
    )
  }
  const raw: unknown = doc.toJS()
  const lineOf = (segments: (string | number)[]): number | undefined => {
    for (let n = segments.length; n >= 0; n--) {
      const node = doc.getIn(segments.slice(0, n), true) as { range?: [number, number, number] } | undefined
      if (node?.range) return lineCounter.linePos(node.range[0]).line
      if (n === 0 && isMap(doc.contents) && doc.contents.range) return 1
    }
    return undefined
  }
  const config = validate<typeof DistrictConfig, DistrictConfig>(
    DistrictConfig,
    checkDistrict,
    raw,
    source,
    lineOf,
  )
  const { registry, problems } = buildRegistry(config)
  if (problems.length > 0) {
    throw new ConfigError(
      source,
      problems.map((p) => ({ ...p, line: p.line ?? lineOf(pathSegments(p.path)) })),
    )
  }
  return { source, config, registry }
}

/**
 * A registry written as JSON, read by `JSON.parse`: `yaml` builds a document with positions for
 * every node, which took 7 s for 100,000 meters (docs/performance.md); this takes well under one.
 * Anything that is not JSON, gives a key twice, or has a problem goes the YAML way instead, which
 * names each problem with its line.
 */
function parseCleanJson(text: string, source: string): LoadedConfig | undefined {
  if (!/^\s*\{/.test(text)) return undefined
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return undefined
  }
  // JSON.parse keeps the last of two equal keys; the YAML way refuses them.
  if (keysIn(raw) !== keysInText(text)) return undefined
  const config = Value.Default(DistrictConfig, raw)
  if (!checkDistrict.Check(config)) return undefined
  const { registry, problems } = buildRegistry(config)
  if (problems.length > 0) return undefined
  return { source, config, registry }
}

/** Keys of every object in a parsed JSON value. */
function keysIn(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0
  let n = 0
  if (Array.isArray(v)) {
    for (const x of v) n += keysIn(x)
    return n
  }
  for (const k in v) n += 1 + keysIn((v as Record<string, unknown>)[k])
  return n
}

/** Keys written in valid JSON text: strings followed by a colon. */
function keysInText(text: string): number {
  let n = 0
  let i = text.indexOf('"')
  while (i >= 0) {
    // The end of the string that starts at i, past escaped characters.
    let j = i + 1
    for (;;) {
      const c = text.charCodeAt(j)
      if (c === 92) j += 2
      else if (c === 34) break
      else j++
    }
    j++
    while (j < text.length) {
      const c = text.charCodeAt(j)
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break
      j++
    }
    if (text.charCodeAt(j) === 58) n++
    i = text.indexOf('"', j)
  }
  return n
}

/** Applies schema defaults and checks; returns the value typed, or throws ConfigError. */
export function validate<S extends TSchema, T>(
  schema: S,
  compiled: { Check(v: unknown): boolean; Errors(v: unknown): Iterable<SchemaError> },
  raw: unknown,
  source: string,
  lineOf: (segments: (string | number)[]) => number | undefined = () => undefined,
): T {
  const value = Value.Default(schema, Value.Clone(raw))
  if (compiled.Check(value)) return value as T
  throw new ConfigError(source, schemaProblems(compiled.Errors(value), value, lineOf))
}

export interface SchemaError {
  keyword: string
  instancePath: string
  message: string
  params: Record<string, unknown>
}

/** Turns JSON-schema errors into one problem per place, phrased for the person editing the file. */
export function schemaProblems(
  errors: Iterable<SchemaError>,
  root: unknown,
  lineOf: (segments: (string | number)[]) => number | undefined = () => undefined,
): ConfigProblem[] {
  const byPath = new Map<string, ConfigProblem>()
  const alternatives = new Set<string>()
  for (const e of errors) {
    // `additionalProperties: false` reports twice: once on the extra key, once on its parent.
    if (e.keyword === 'additionalProperties') continue
    const segments = pointerSegments(e.instancePath)
    const path = formatPath(segments)
    const value = valueAt(root, segments)
    // An object where a union also allows a text (a contact, or an address): its own keys say what is wrong.
    const alternative =
      (e.keyword === 'type' || e.keyword === 'anyOf') && typeof value === 'object' && value !== null
    if (byPath.has(path) && (alternative || !alternatives.delete(path))) continue
    if (alternative) alternatives.add(path)
    byPath.set(path, { path, value, expected: expectation(e), line: lineOf(segments) })
  }
  const paths = [...byPath.keys()]
  for (const path of alternatives)
    if (paths.some((p) => p.startsWith(`${path}.`) || p.startsWith(`${path}[`))) byPath.delete(path)
  return [...byPath.values()]
}

/**
 * What a JSON-schema error asks for, as a catalogue message. Both schema checkers in use speak
 * through it: TypeBox's (config, environment) and Ajv's (fastify's request validation), whose
 * parameters differ a little (`requiredProperties` / `missingProperty`).
 */
export function expectation(e: SchemaError): Message {
  const p = e.params
  const limit = String(p.limit)
  switch (e.keyword) {
    case 'boolean':
    case 'additionalProperties':
      return msg('config.expected.noSuchKey')
    case 'enum':
      return msg('config.expected.oneOf', { values: (p.allowedValues as unknown[]).map(String) })
    case 'required': {
      const keys = (p.requiredProperties as string[] | undefined) ?? [String(p.missingProperty)]
      return msg('config.expected.required', { keys, count: keys.length })
    }
    case 'pattern': {
      const words = PATTERN_MESSAGES[p.pattern as string]
      return words ? msg(words) : msg('config.expected.pattern', { pattern: String(p.pattern) })
    }
    case 'type':
      return msg('config.expected.type', { type: String(p.type) })
    case 'minItems':
      return msg('config.expected.minItems', { limit: Number(p.limit) })
    case 'maxItems':
      return msg('config.expected.maxItems', { limit: Number(p.limit) })
    case 'minLength':
      return msg('config.expected.minLength', { limit: Number(p.limit) })
    case 'maxLength':
      return msg('config.expected.maxLength', { limit: Number(p.limit) })
    case 'minimum':
      return msg('config.expected.minimum', { limit })
    case 'maximum':
      return msg('config.expected.maximum', { limit })
    case 'exclusiveMinimum':
      return msg('config.expected.exclusiveMinimum', { limit })
    case 'exclusiveMaximum':
      return msg('config.expected.exclusiveMaximum', { limit })
    case 'const':
      return msg('config.expected.const', { value: JSON.stringify(p.allowedValue) })
    case 'format':
      return msg('config.expected.format', { format: String(p.format) })
    default:
      return msg('config.expected.valid', { detail: e.message })
  }
}

function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s))
}

export function formatPath(segments: (string | number)[]): string {
  let out = ''
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out ? `.${s}` : s
  return out || '(root)'
}

function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = []
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!)
  return out
}

function valueAt(root: unknown, segments: (string | number)[]): unknown {
  let v: unknown = root
  for (const s of segments) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<string | number, unknown>)[s]
  }
  return v
}
