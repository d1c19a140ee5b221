/**
 * What people were sent, read back from the store's notification outbox — the one place that
 * knows how outbox rows map to incidents and their alerts. Counted per message, whatever the
 * number of recipients.
 *
 * A notification is one message that calls people to a fault: an incident opened, worse
 * ("worsened") or escalated, sent by e-mail (at once or in the daily digest), to a webhook
 * or to a group robot (the maintenance group chat: WeCom, DingTalk, Feishu). Resolutions and acknowledgements close a matter and are not
 * counted; MQTT is for machines. Each message is mapped to the alerts of its incident.
 */
import { PEOPLE_CHANNELS } from '../../notify/index.js'
import type { AppStore } from '../../store/index.js'

/** Channels a person reads: e-mail (at once and the daily digest), webhooks, the group robots. */
const TO_PEOPLE = PEOPLE_CHANNELS
/** Transitions that call for attention. */
const CALLS = new Set(['opened', 'worsened', 'escalated'])

export interface Notice {
  /** When the transition happened (event time), epoch ms. */
  at: number
  transition: string
  /** The alerts the message is about: its incident's. */
  alerts: number[]
  /** Deliveries of this message: one per recipient and channel. */
  deliveries: number
}

export async function notificationsOf(store: AppStore): Promise<Notice[]> {
  const rows = (await store.outbox.all()).filter((r) => r.incidentEventId != null && TO_PEOPLE.has(r.channel))
  const deliveries = new Map<number, number>()
  for (const r of rows) deliveries.set(r.incidentEventId!, (deliveries.get(r.incidentEventId!) ?? 0) + 1)
  const out: Notice[] = []
  for (const incident of await store.incidents.list({ limit: 10_000_000 })) {
    const alerts = (await store.alerts.ofIncident(incident.id)).map((a) => a.id)
    for (const e of await store.incidents.events(incident.id)) {
      const n = deliveries.get(e.id)
      if (n && CALLS.has(e.transition))
        out.push({ at: e.at, transition: e.transition, alerts, deliveries: n })
    }
  }
  return out.sort((a, b) => a.at - b.at)
}
