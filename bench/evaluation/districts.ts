/**
 * The districts `npm run evaluate` runs on: the bundled demo district with its all-faults
 * scenario, and generated districts of each kind with a fault plan drawn for their scored weeks.
 * Everything here is rebuilt from plain options (name, seed, start, weeks), so a worker thread
 * can rebuild the same district.
 */
import { readFileSync } from 'node:fs'
import { parse, stringify } from 'yaml'
import { DEMO_CONFIG_PATH, parseConfig } from '../../core/config/load.js'
import type { DistrictConfig } from '../../core/config/schema.js'
import type { Registry } from '../../core/registry.js'
import {
  DISTRICT_KINDS,
  type DistrictKind,
  generateKind,
  planFaults,
  type Scenario,
  type Site,
  scenarioFile,
} from '../../simulator/index.js'

export const DISTRICTS = ['demo', ...DISTRICT_KINDS] as const
export type DistrictName = (typeof DISTRICTS)[number]

/** The demo's scored weeks begin on this Monday (the all-faults scenario assumes one in the heating season). */
export const DEMO_START = '2026-11-23T00:00:00+08:00'

export interface EvaluationDistrict {
  name: DistrictName
  registry: Registry
  sites?: Record<string, Site>
  scenario: Scenario
  /** Start of the scored weeks, epoch ms (local midnight of a Monday); relative fault times count from here. */
  start: number
}

export interface DistrictOptions {
  name: DistrictName
  seed: string
  /** Overrides the district's own start (a Monday, ISO with offset). */
  start?: string
  weeks: number
}

/**
 * Schools that have nobody to tell get the people a school would have: maintenance, facilities
 * and escalation addresses and a group-chat webhook, so that what people are sent can be counted.
 */
function withRecipients(config: DistrictConfig): DistrictConfig {
  if (config.defaults?.notifications || config.schools.some((s) => s.notifications)) return config
  const n = {
    contacts: {
      maintenance: ['repairs@school.example'],
      facilities: ['logistics@school.example'],
      escalation: ['head@school.example'],
    },
    webhooks: [{ url: 'https://qyapi.weixin.example/cgi-bin/webhook/send?key=maintenance-group' }],
  }
  return { ...config, defaults: { ...config.defaults, notifications: n } }
}

export function buildDistrict(o: DistrictOptions): EvaluationDistrict {
  if (o.name === 'demo') {
    const config = withRecipients(parse(readFileSync(DEMO_CONFIG_PATH, 'utf8')) as DistrictConfig)
    return {
      name: 'demo',
      registry: parseConfig(stringify(config), 'demo district').registry,
      scenario: scenarioFile('all-faults'),
      start: Date.parse(o.start ?? DEMO_START),
    }
  }
  const generated = generateKind(o.name as DistrictKind, o.seed)
  const registry = parseConfig(stringify(withRecipients(generated.config)), `${o.name} district`).registry
  const start = Date.parse(o.start ?? generated.start)
  return {
    name: o.name,
    registry,
    sites: generated.sites,
    scenario: planFaults(registry, { seed: o.seed, start, days: o.weeks * 7 }),
    start,
  }
}
