/**
 * What people were sent, read back from the store's notification outbox — the one place that
 * knows how outbox rows map to alerts. Counted per message, whatever the number of recipients.
 *
 * A notification is one message that calls people to a fault: an alert opened, or raised in
 * severity ("escalated"), sent by e-mail (at once or in the daily digest) or to a webhook (the
 * maintenance group chat). Resolutions and acknowledgements close a matter and are not counted;
 * MQTT is for machines. When alerts are grouped into incidents, an outbox row announces an
 * incident: this function then maps each row to the incident's alerts, and nothing else changes.
 */
import type { Store } from '../../store/index.js'

/** Channels a person reads. */
const TO_PEOPLE = new Set(['email', 'digest', 'webhook'])
/** Transitions that call for attention. */
const CALLS = new Set(['opened', 'escalated'])

export interface Notice {
  /** When the transition happened (event time), epoch ms. */
  at: number
  transition: string
  /** The alerts the message is about (one alert; an incident's alerts once incidents exist). */
  alerts: number[]
  /** Deliveries of this message: one per recipient and channel. */
  deliveries: number
}

export function notificationsOf(store: Store): Notice[] {
  const rows = store.outbox.all().filter((r) => r.eventId !== null && TO_PEOPLE.has(r.channel))
  const deliveries = new Map<number, number>()
  for (const r of rows) deliveries.set(r.eventId!, (deliveries.get(r.eventId!) ?? 0) + 1)
  const out: Notice[] = []
  for (const alert of store.alerts.list({ limit: 10_000_000 })) {
    for (const e of store.alerts.events(alert.id)) {
      const n = deliveries.get(e.id)
      if (n && CALLS.has(e.transition))
        out.push({ at: e.at, transition: e.transition, alerts: [alert.id], deliveries: n })
    }
  }
  return out.sort((a, b) => a.at - b.at)
}
