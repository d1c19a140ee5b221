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

export function resolveParams(
  rule: Rule,
  meter: Meter,
  problems: ConfigProblem[],
): { enabled: boolean; params: Record<string, unknown> } {
  const layers: [string, Record<string, unknown> | undefined][] = [
    [`schools.${meter.school.id}.rules`, meter.school.rules],
    [`building ${meter.building.id}.rules`, meter.building.config.rules],
    [`space ${meter.space?.id}.rules`, meter.space?.config.rules],
    [`meter ${meter.id}.rules`, meter.config.rules],
  ]
  let enabled = true
  let merged: Record<string, unknown> = {}
  let where = 'defaults'
  for (const [path, layer] of layers) {
    const v = layer?.[rule.id]
    if (v === undefined) continue
    if (typeof v === 'boolean') enabled = v
    else {
      enabled = true
      merged = { ...merged, ...(v as Record<string, unknown>) }
      where = path
    }
  }
  let check = compiled.get(rule.params)
  if (!check) {
    check = Compile(rule.params)
    compiled.set(rule.params, check)
  }
  const params = Value.Default(rule.params, Value.Clone(merged)) as Record<string, unknown>
  if (!check.Check(params)) {
    for (const p of schemaProblems(check.Errors(params), params)) {
      problems.push({ ...p, path: `${where}["${rule.id}"].${p.path} (meter ${meter.id})` })
    }
  }
  return { enabled, params }
}
