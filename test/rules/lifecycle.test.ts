import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
/** The alert lifecycle: one active alert per key, people acknowledge and resolve, escalation, suppression, restarts. */
import { describe, expect, it, vi } from 'vitest'
import { alerting, GOLDEN_CONFIG, HOUR, MIN, series } from '../helpers/alerting.js'
import * as g from '../helpers/golden.js'

const MON = Date.parse('2026-11-16T00:00:00+08:00')

/** A 3-minute kettle in room r101 at `at`. */
function kettle(at: number, stepW = 2000) {
  let kwh = 10
  return series(at - 2 * MIN, 10_000, 60, (t) => {
    const p = 100 + (t >= at && t < at + 3 * MIN ? stepW : 0)
    kwh += (p * 10) / 3.6e6
    return { energy_kwh: Math.round(kwh * 1e6) / 1e6, power_w: p, pf: 0.99 }
  })
}

/** Hourly water readings flowing `hours` hours from `from` on W-HOURLY (register only). */
function flowing(from: number, hours: number, start = 10) {
  return series(from, HOUR, hours, (_t, i) => ({ volume_m3: start + i * 0.003 }))
}

describe('alert lifecycle', () => {
  it('a condition that persists keeps one alert, updating lastSeenAt and evidence', async () => {
    const h = await alerting()
    h.feed('W-HOURLY', flowing(MON, 40))
    const all = await h.list('water.continuous_flow')
    expect(all).toHaveLength(1)
    expect(all[0]!.lastSeenAt).toBe(MON + 39 * HOUR)
    expect((await h.store.alerts.events(all[0]!.id)).map((e) => e.transition)).toEqual(['opened'])
    await h.stop()
  })

  it('verdicts and minutes that pile up behind the store are written once each, the newest; a worsening is not lost', async () => {
    const [[meter, points]] = g.heater() as [
      [string, Parameters<Awaited<ReturnType<typeof alerting>>['feed']>[1]],
    ]
    const outcome = async (chunk: number) => {
      const h = await alerting()
      const reads = vi.spyOn(h.store.alerts, 'active')
      const quietLookups = vi.spyOn(h.store.incidents, 'quiet')
      // All at once, as a gateway's backlog arrives (every verdict is asked for before the first
      // is written), or a minute at a time with the store keeping up.
      for (let i = 0; i < points.length; i += chunk) {
        h.feed(meter, points.slice(i, i + chunk))
        await h.settled()
      }
      const [a] = await h.list('electricity.high_power_appliance')
      const events = (await h.store.alerts.events(a!.id)).map((e) => [e.transition, e.at])
      const incidents = await h.store.incidents.list()
      const merged = (
        await h.metrics.registry.getSingleMetric('schoolmeter_alert_updates_merged_total')?.get()
      )?.values[0]?.value
      await h.stop()
      const { id: _id, ...alert } = a!
      return {
        alert,
        events,
        incidents,
        reads: reads.mock.calls.length,
        quietLookups: quietLookups.mock.calls.length,
        merged: merged ?? 0,
      }
    }
    const backlog = await outcome(points.length)
    const keptUp = await outcome(6)
    expect(backlog.events.map(([t]) => t)).toEqual(['opened', 'escalated', 'resolved'])
    expect(backlog.events).toEqual(keptUp.events)
    expect(backlog.alert).toEqual(keptUp.alert)
    expect(backlog.incidents).toEqual(keptUp.incidents)
    // 2,500 verdicts on the active alert: a handful of reads rather than one each.
    expect(backlog.merged).toBeGreaterThan(2000)
    expect(backlog.reads).toBeLessThan(10)
    expect(keptUp.reads).toBeGreaterThan(300)
    // The school's minutes of event time: its quiet incidents looked up a few times, not once a minute.
    expect(backlog.quietLookups).toBeLessThan(10)
    expect(keptUp.quietLookups).toBeGreaterThan(300)
  })

  it('an alert the store refuses to write is raised by the next verdict that finds the condition', async () => {
    const h = await alerting()
    const atomically = h.store.atomically.bind(h.store)
    let refused = 0
    // The first transition's transaction fails, as a locked or full database would make it.
    h.store.atomically = async (work) => {
      if (refused++ === 0) throw new Error('SQLITE_BUSY: database is locked')
      return atomically(work)
    }
    h.feed('W-HOURLY', flowing(MON, 25))
    expect(await h.list('water.continuous_flow')).toEqual([])
    h.feed('W-HOURLY', flowing(MON + 25 * HOUR, 2, 10 + 25 * 0.003))
    const all = await h.list('water.continuous_flow')
    expect(refused).toBeGreaterThan(1)
    expect(all).toHaveLength(1)
    expect(all[0]!.openedAt).toBe(MON + 25 * HOUR)
    await h.stop()
  })

  it('acknowledged, then resolved by a person as a false positive; the rule does not reopen it while the condition lasts', async () => {
    const h = await alerting()
    h.feed('W-HOURLY', flowing(MON, 26))
    const [a] = await h.list('water.continuous_flow')
    expect(await h.alerts.acknowledge(a!.id, 'caretaker Li', 'on my way')).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'caretaker Li',
      note: 'on my way',
    })
    expect(await h.alerts.resolve(a!.id, 'caretaker Li', 'pool refill, not a leak', true)).toMatchObject({
      status: 'resolved',
      falsePositive: true,
    })
    await expect(h.alerts.acknowledge(a!.id)).rejects.toThrow(/already resolved/)
    h.feed('W-HOURLY', flowing(MON + 26 * HOUR, 5, 10 + 26 * 0.003))
    expect(await h.list('water.continuous_flow')).toHaveLength(1)
    expect(
      (await h.store.alerts.events(a!.id)).map((e) => `${e.transition} by ${e.by ?? 'the rule'}`),
    ).toEqual(['opened by the rule', 'acknowledged by caretaker Li', 'resolved by caretaker Li'])
    await h.stop()
  })

  it('after the rule clears, the next occurrence is a new alert', async () => {
    const h = await alerting()
    h.feed('E-R101', kettle(Date.parse('2026-11-16T20:00:00+08:00')))
    h.feed('E-R101', kettle(Date.parse('2026-11-16T21:00:00+08:00')))
    const all = await h.list('electricity.high_power_appliance')
    expect(all.map((a) => a.status)).toEqual(['resolved', 'resolved'])
    expect(all[0]!.id).not.toBe(all[1]!.id)
    await h.stop()
  })

  it('critical incidents nobody acknowledges are escalated after 15 minutes, once', async () => {
    let now = Date.now()
    const h = await alerting(GOLDEN_CONFIG, { now: () => now })
    let reg = 50
    h.feed(
      'W1',
      series(MON + 2 * HOUR, MIN, 40, () => ({
        volume_m3: Math.round((reg += 0.02) * 1e5) / 1e5,
        flow_lpm: 20,
      })),
    )
    const [burst] = await h.list('water.burst')
    expect(burst).toMatchObject({ severity: 'critical', status: 'open' })
    // At 02:00 the building is empty: the burst also trips after-hours flow, in the same incident.
    const [afterHours] = await h.list('water.after_hours_flow')
    expect(afterHours!.incident).toBe(burst!.incident)
    expect(await h.store.incidents.get(burst!.incident!)).toMatchObject({
      severity: 'critical',
      occurrences: 2,
    })
    now += 14 * MIN
    expect(await h.alerts.escalateDue()).toEqual([])
    now += 2 * MIN
    expect((await h.alerts.escalateDue()).map((i) => i.id)).toEqual([burst!.incident])
    expect(await h.alerts.escalateDue()).toEqual([])
    const events = new Set((await h.store.incidents.events(burst!.incident!)).map((e) => e.id))
    const outbox = (await h.store.outbox.all()).filter(
      (r) => r.channel === 'email' && r.incidentEventId != null && events.has(r.incidentEventId),
    )
    // Opened (critical from the start): maintenance, once; escalated: maintenance again and the head.
    expect(outbox.map((r) => r.target)).toEqual([
      'fix@golden.example',
      'fix@golden.example',
      'head@golden.example',
    ])
    // People are told of the escalation in their language: a notice each channel renders.
    expect(JSON.parse(outbox[2]!.payload)).toMatchObject({
      kind: 'incident',
      transition: 'escalated',
      roles: ['maintenance', 'escalation'],
    })
    await h.stop()
  })

  it('acknowledged critical alerts are not escalated', async () => {
    let now = Date.now()
    const h = await alerting(GOLDEN_CONFIG, { now: () => now })
    let reg = 50
    h.feed(
      'W1',
      series(MON + 2 * HOUR, MIN, 40, () => ({
        volume_m3: Math.round((reg += 0.02) * 1e5) / 1e5,
        flow_lpm: 20,
      })),
    )
    await h.alerts.acknowledge((await h.list('water.burst'))[0]!.id, 'Wang')
    now += 30 * MIN
    expect(await h.alerts.escalateDue()).toEqual([])
    await h.stop()
  })

  it('planned-use windows suppress the rules they name', async () => {
    const config = GOLDEN_CONFIG.replace(
      '    notifications:',
      '      plannedUse: [{ name: Pool fill, building: main, rules: [water.burst], start: "2026-11-16T01:00", end: "2026-11-16T04:00" }]\n    notifications:',
    )
    const h = await alerting(config)
    let reg = 50
    h.feed(
      'W1',
      series(MON + 2 * HOUR, MIN, 40, () => ({
        volume_m3: Math.round((reg += 0.02) * 1e5) / 1e5,
        flow_lpm: 20,
      })),
    )
    expect(await h.list('water.burst')).toEqual([])
    // After-hours flow is not named by the window: it still fires.
    expect(await h.list('water.after_hours_flow')).toHaveLength(1)
    await h.stop()
  })

  it('estimated readings never raise a leak alert', async () => {
    const h = await alerting()
    h.feed(
      'W-HOURLY',
      flowing(MON, 30).map((p) => ({ ...p, estimated: true })),
    )
    expect(await h.list('water.continuous_flow')).toEqual([])
    await h.stop()
  })

  it('rules can be switched off or retuned in the registry, per meter', async () => {
    const config = GOLDEN_CONFIG.replace(
      '{ id: W1, kind: water, registerDigits: 6, nominalFlowM3h: 4 }',
      '{ id: W1, kind: water, registerDigits: 6, nominalFlowM3h: 4, rules: { water.burst: { minutes: 10 }, water.after_hours_flow: false } }',
    )
    const h = await alerting(config)
    expect(h.engine.rulesOf('W1')).not.toContain('water.after_hours_flow')
    let reg = 50
    h.feed(
      'W1',
      series(MON + 2 * HOUR, MIN, 15, () => ({
        volume_m3: Math.round((reg += 0.02) * 1e5) / 1e5,
        flow_lpm: 20,
      })),
    )
    expect(await h.list('water.burst')).toHaveLength(1)
    await h.stop()
  })

  it('bad rule parameters stop the start with the place named', async () => {
    const config = GOLDEN_CONFIG.replace(
      '{ id: W1, kind: water, registerDigits: 6, nominalFlowM3h: 4 }',
      '{ id: W1, kind: water, rules: { water.burst: { minutes: -3, colour: red } } }',
    )
    await expect(alerting(config)).rejects.toThrow(/meter W1\.rules\["water\.burst"\]\.minutes[\s\S]*got -3/)
  })

  it('a register anomaly raises meter.register_anomaly with how it was counted', async () => {
    const h = await alerting()
    h.feed('W1', [
      { ts: MON, volume_m3: 999_999.99 },
      { ts: MON + MIN, volume_m3: 0.01 },
    ])
    const [a] = await h.list('meter.register_anomaly')
    expect(a).toMatchObject({ severity: 'info' })
    expect(a!.evidence).toMatchObject({ event: 'rollover', counted: 20, unit: 'L' })
    await h.stop()
  })

  it('meter.offline by the wall clock, cleared by the next reading', async () => {
    let now = MON
    const h = await alerting(GOLDEN_CONFIG, { now: () => now })
    h.ingest.handle('schools/golden/meters/T-OUT', Buffer.from(JSON.stringify({ ts: MON, temp_c: 3 })), MON)
    now = MON + 14 * MIN
    expect(h.engine.checkOffline()).toBe(0)
    now = MON + 16 * MIN
    expect(h.engine.checkOffline()).toBe(1)
    expect((await h.list('meter.offline'))[0]).toMatchObject({ meter: 'T-OUT', status: 'open' })
    h.ingest.handle('schools/golden/meters/T-OUT', Buffer.from(JSON.stringify({ ts: now, temp_c: 3 })), now)
    expect((await h.list('meter.offline'))[0]).toMatchObject({ status: 'resolved', resolvedBy: 'rule' })
    await h.stop()
  })
})

describe('restarts', () => {
  it('a restart in the middle of a 24-hour leak window: the alert opens once, on time', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'schoolmeter-rules-'))
    const first = await alerting(GOLDEN_CONFIG, { dataDir })
    first.feed('W-HOURLY', flowing(MON, 13))
    await first.stop()
    const second = await alerting(GOLDEN_CONFIG, { dataDir })
    second.feed('W-HOURLY', flowing(MON + 13 * HOUR, 20, 10 + 13 * 0.003))
    const all = await second.list('water.continuous_flow')
    expect(all).toHaveLength(1)
    expect(all[0]!.openedAt).toBe(MON + 24 * HOUR)
    await second.stop()
    // And once more: the open alert is not opened again.
    const third = await alerting(GOLDEN_CONFIG, { dataDir })
    third.feed('W-HOURLY', flowing(MON + 33 * HOUR, 5, 10 + 33 * 0.003))
    expect(await third.list('water.continuous_flow')).toHaveLength(1)
    expect((await third.store.alerts.events(all[0]!.id)).map((e) => e.transition)).toEqual(['opened'])
    await third.stop()
  })
})
