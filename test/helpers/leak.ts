/**
 * The demo's dripping canteen tap as a whole story, in event time: the primary school simulated
 * through the real ingest, rules, alert manager, notification planning and rollups; the caretaker
 * takes the incident on, gives it to the plumber, the tap is repaired and the incident resolved.
 * The notifications the outbox holds are marked delivered a few seconds after they fell due, as the
 * queues record a delivery.
 */
import { readFileSync } from 'node:fs'
import { parse, stringify } from 'yaml'
import { DEMO_CONFIG_PATH } from '../../core/config/load.js'
import type { DistrictConfig } from '../../core/config/schema.js'
import { Rollups } from '../../reports/index.js'
import { calendarsOf, createSimulation, encode, parseScenario } from '../../simulator/index.js'
import { alerting } from './alerting.js'
import { testLog } from './log.js'

const HOUR = 3_600_000
export const LEAK = {
  from: Date.parse('2026-10-12T00:00:00+08:00'),
  dripStartIso: '2026-10-13T15:00:00+08:00',
  dripStart: Date.parse('2026-10-13T15:00:00+08:00'),
  dripHours: 40,
  rateLph: 3,
  to: Date.parse('2026-10-16T00:00:00+08:00'),
}

/** The demo district with people to tell at the primary school. */
export function demoWithContacts(): string {
  const demo = parse(readFileSync(DEMO_CONFIG_PATH, 'utf8')) as DistrictConfig
  demo.schools[0]!.notifications = {
    contacts: {
      maintenance: [{ name: '王师傅', email: 'wang@sunshine.example' }],
      facilities: [{ name: '李主任', email: 'li@sunshine.example' }],
    },
  }
  return stringify(demo)
}

export async function leakStory(o: { onSqlite?: boolean } = {}) {
  let clock = LEAK.from
  const a = await alerting(demoWithContacts(), {
    now: () => clock,
    ...(o.onSqlite ? { onSqlite: true } : {}),
  })
  const rollups = new Rollups({ registry: a.registry, store: a.store, bus: a.bus, log: testLog })
  rollups.start()
  const sim = createSimulation({
    registry: a.registry,
    start: LEAK.from,
    seed: 'leak-dossier',
    stepMs: 60_000,
    schools: ['sunshine-primary'],
    scenario: parseScenario(`faults:
  - { name: Dripping canteen tap, type: drip_leak, meter: SP-W-CANTEEN, start: "${LEAK.dripStartIso}", duration: ${LEAK.dripHours}h, rateLph: ${LEAK.rateLph} }
`),
  })
  const cal = calendarsOf(a.registry)
  // The wall clock runs with the readings, as it does for a live service: a gateway's batch
  // arrives a little after its readings were taken.
  // Each step's alert changes are written before the clock moves on.
  const feedTo = async (until: number) => {
    clock = until + 20_000
    for (const m of encode(sim.advance(until), cal, { gateway: true, batchSize: 500 }))
      a.ingest.handle(m.topic, Buffer.from(m.payload), clock)
    await a.settled()
  }
  const deliver = async () => {
    for (const row of await a.store.outbox.all())
      if (row.sentAt === undefined && row.dueAt <= clock) await a.store.outbox.sent(row.id, row.dueAt + 4_000)
  }
  const drip = async () =>
    (await a.store.incidents.list({ school: 'sunshine-primary', family: 'water_loss' })).find(
      (i) => i.meter === 'SP-W-CANTEEN',
    )
  // Up to the first alert: the day before the drip at once, then a minute at a time.
  await feedTo(LEAK.dripStart)
  let t = LEAK.dripStart
  while (!(await drip()) && t < LEAK.to) {
    t += 60_000
    await feedTo(t)
  }
  const incident = await drip()
  if (!incident) throw new Error('the drip raised no incident')
  await deliver()
  // The caretaker sees it on his phone 25 minutes later and gives it to the plumber.
  await feedTo(incident.openedAt + 25 * 60_000)
  clock = incident.openedAt + 25 * 60_000
  await a.alerts.acknowledgeIncident(incident.id, '王师傅', '去食堂看看')
  clock += 5 * 60_000
  await a.alerts.assignIncident(incident.id, '赵师傅（水工）', '王师傅')
  await deliver()
  // The tap is repaired when the drip ends; the plumber closes the incident 40 minutes later.
  const repaired = LEAK.dripStart + LEAK.dripHours * HOUR
  await feedTo(repaired + 40 * 60_000)
  clock = repaired + 40 * 60_000
  await a.alerts.resolveIncident(incident.id, '赵师傅（水工）', '更换食堂洗碗池水龙头阀芯')
  await deliver()
  await feedTo(LEAK.to)
  await deliver()
  rollups.flush()
  return { ...a, rollups, incidentId: incident.id }
}
