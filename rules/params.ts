/**
 * A rule's parameters for one meter: the rule's defaults, overridden in turn by the district,
 * the school, the building, the space and the meter (`rules:` in the registry). `false` at any
 * level switches the rule off below it; `true` or an object switches it back on.
 */
import { Compile } from 'typebox/compile'
import Value from 'typebox/value'
import { schemaProblems } from '../core/config/load.js'
import type { ConfigProblem } from '../core/errors.js'
import type { Meter } from '../core/registry.js'
import type { Rule } from './types.js'

const compiled = new WeakMap<object, ReturnType<typeof Compile>>()
/**
 * Each rule's defaults, worked out once and shared (frozen) by every meter without overrides:
 * filling in defaults per meter and rule took most of a start-up with 100,000 meters, and a
 * parameter object each cost memory.
 */
const defaults = new WeakMap<object, Readonly<Record<string, unknown>>>()

export function resolveParams(
  rule: Rule,
  meter: Meter,
  problems: ConfigProblem[],
): { enabled: boolean; params: Record<string, unknown> } {
  const layers: (Record<string, unknown> | undefined)[] = [
    meter.school.rules,
    meter.building.config.rules,
    meter.space?.config.rules,
    meter.config.rules,
  ]
  let enabled = true
  let merged: Record<string, unknown> = {}
  let last = -1
  for (let i = 0; i < layers.length; i++) {
    const v = layers[i]?.[rule.id]
    if (v === undefined) continue
    if (typeof v === 'boolean') enabled = v
    else {
      enabled = true
      merged = { ...merged, ...(v as Record<string, unknown>) }
      last = i
    }
  }
  // Where the parameters came from, for error messages: built only when there is an override.
  const where =
    last < 0
      ? 'defaults'
      : [
          `schools.${meter.school.id}.rules`,
          `building ${meter.building.id}.rules`,
          `space ${meter.space?.id}.rules`,
          `meter ${meter.id}.rules`,
        ][last]!
  let check = compiled.get(rule.params)
  if (!check) {
    check = Compile(rule.params)
    compiled.set(rule.params, check)
  }
  if (where === 'defaults') {
    let shared = defaults.get(rule.params)
    if (!shared) {
      const params = Value.Default(rule.params, {}) as Record<string, unknown>
      // Defaults that fail their own schema are reported for every meter, as before.
      if (!check.Check(params)) return { enabled, params: fill(rule, merged, check, problems, meter, where) }
      shared = Object.freeze(params)
      defaults.set(rule.params, shared)
    }
    return { enabled, params: shared as Record<string, unknown> }
  }
  return { enabled, params: fill(rule, merged, check, problems, meter, where) }
}

function fill(
  rule: Rule,
  merged: Record<string, unknown>,
  check: ReturnType<typeof Compile>,
  problems: ConfigProblem[],
  meter: Meter,
  where: string,
): Record<string, unknown> {
  const params = Value.Default(rule.params, Value.Clone(merged)) as Record<string, unknown>
  if (!check.Check(params)) {
    for (const p of schemaProblems(check.Errors(params), params)) {
      problems.push({ ...p, path: `${where}["${rule.id}"].${p.path} (meter ${meter.id})` })
    }
  }
  return params
}
