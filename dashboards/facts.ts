/**
 * What the dashboards need to know about a district that InfluxDB cannot tell them: which meters
 * are top-level (whole-school totals count only those; a sub-meter's consumption is already in
 * its parent's) and which temperature sensors are outdoors (degree days, weather). The registry
 * knows both; the tags of CONTRACT.md carry neither, so the generated dashboards carry them as
 * hidden variables, and a district with its own registry generates its own dashboards.
 */

import type { Locale } from '../core/i18n/index.js'
import { METER_KINDS, type MeterKind, type Registry } from '../core/index.js'

export interface DistrictFacts {
  /** IANA zone for day and month boundaries (the first school's; the demo's is Asia/Shanghai). */
  timezone: string
  /** Meters with no parent, of the kinds that have consumption, sorted. */
  topLevelMeters: string[]
  /** Temperature sensors placed outdoors, sorted. */
  outdoorSensors: string[]
  /** The district's language, for the titles that come from the catalogues. */
  locale: Locale
}

export function districtFacts(registry: Registry, timezone?: string): DistrictFacts {
  const meters = [...registry.meters.values()]
  const consuming = new Set<MeterKind>(METER_KINDS.filter((k) => k !== 'temperature'))
  const firstSchool = registry.schools.values().next().value
  return {
    timezone: timezone ?? firstSchool?.timezone ?? 'UTC',
    topLevelMeters: meters
      .filter((m) => consuming.has(m.kind) && !m.parent)
      .map((m) => m.id)
      .sort(),
    outdoorSensors: meters
      .filter((m) => m.kind === 'temperature' && m.config.placement === 'outdoor')
      .map((m) => m.id)
      .sort(),
    locale: registry.locale,
  }
}
