/**
 * Alerts and incidents as the outside world sees them (CONTRACT.md, "An alert object"): times in
 * the school's offset, the sentence in the reader's language. The HTTP API, MQTT and webhooks all
 * send these.
 */
import type { Alert, Incident } from './alert.js'
import { type Locale, render } from './i18n/index.js'
import type { Registry } from './registry.js'
import { formatInstant } from './time.js'

/** The sentence of an alert or incident for a reader: rendered in their language when stored as data. */
function sentence(x: Alert | Incident, registry: Registry, locale: Locale | undefined): string {
  if (!x.text) return x.message
  return render(locale ?? registry.schools.get(x.school)?.locale ?? registry.locale, x.text)
}

/** The alert as the outside world sees it: CONTRACT.md's alert object, times in the school's offset. */
export type AlertView = ReturnType<typeof alertView>

export function alertView(a: Alert, registry: Registry, locale?: Locale) {
  const zone = registry.schools.get(a.school)?.timezone ?? 'UTC'
  const iso = (ms: number) => formatInstant(ms, zone)
  return {
    id: a.id,
    school: a.school,
    building: a.building,
    meter: a.meter,
    ...(a.space ? { space: a.space } : {}),
    rule: a.rule,
    severity: a.severity,
    status: a.status,
    openedAt: iso(a.openedAt),
    lastSeenAt: iso(a.lastSeenAt),
    ...(a.acknowledgedAt !== undefined ? { acknowledgedAt: iso(a.acknowledgedAt) } : {}),
    ...(a.acknowledgedBy ? { acknowledgedBy: a.acknowledgedBy } : {}),
    ...(a.resolvedAt !== undefined ? { resolvedAt: iso(a.resolvedAt) } : {}),
    ...(a.resolvedBy ? { resolvedBy: a.resolvedBy } : {}),
    ...(a.falsePositive ? { falsePositive: true } : {}),
    ...(a.note ? { note: a.note } : {}),
    ...(a.escalatedAt !== undefined ? { escalatedAt: iso(a.escalatedAt) } : {}),
    message: sentence(a, registry, locale),
    evidence: a.evidence,
    ...(a.incident !== undefined ? { incident: a.incident } : {}),
  }
}

/** An incident as the outside world sees it: times in the school's offset, its sentence in the reader's language. */
export type IncidentView = ReturnType<typeof incidentView>

export function incidentView(i: Incident, registry: Registry, locale?: Locale) {
  const zone = registry.schools.get(i.school)?.timezone ?? 'UTC'
  const iso = (ms: number) => formatInstant(ms, zone)
  return {
    id: i.id,
    school: i.school,
    family: i.family,
    building: i.building,
    meter: i.meter,
    ...(i.space ? { space: i.space } : {}),
    rule: i.rule,
    severity: i.severity,
    status: i.status,
    openedAt: iso(i.openedAt),
    lastSeenAt: iso(i.lastSeenAt),
    ...(i.quietSince !== undefined ? { quietSince: iso(i.quietSince) } : {}),
    ...(i.acknowledgedAt !== undefined ? { acknowledgedAt: iso(i.acknowledgedAt) } : {}),
    ...(i.acknowledgedBy ? { acknowledgedBy: i.acknowledgedBy } : {}),
    ...(i.assignedTo ? { assignedTo: i.assignedTo } : {}),
    ...(i.resolvedAt !== undefined ? { resolvedAt: iso(i.resolvedAt) } : {}),
    ...(i.resolvedBy ? { resolvedBy: i.resolvedBy } : {}),
    ...(i.falsePositive ? { falsePositive: true } : {}),
    ...(i.note ? { note: i.note } : {}),
    ...(i.escalatedAt !== undefined ? { escalatedAt: iso(i.escalatedAt) } : {}),
    occurrences: i.occurrences,
    message: sentence(i, registry, locale),
    evidence: i.evidence,
  }
}
