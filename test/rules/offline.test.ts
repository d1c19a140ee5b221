/**
 * One definition of offline: the rule, the API's meter status and the web app's live state all read
 * the meter.offline rule's parameters for the meter, registry overrides included.
 */
import { describe, expect, it } from 'vitest'
import { liveState } from '../../api/live.js'
import { meterState } from '../../api/server.js'
import { parseConfig } from '../../core/config/load.js'
import type { MeterStatus } from '../../ingest/pipeline.js'
import { offlineLimitMs } from '../../rules/index.js'
import { alerting, GOLDEN_CONFIG, MIN } from '../helpers/alerting.js'

const CONFIG = GOLDEN_CONFIG.replace(
  '{ id: W-HOURLY, kind: water, intervalSeconds: 3600 }',
  '{ id: W-HOURLY, kind: water, intervalSeconds: 3600 }\n          - { id: W-SLOW, kind: water, intervalSeconds: 60, rules: { meter.offline: { minMinutes: 60 } } }',
)
const { registry } = parseConfig(CONFIG, 'golden.yaml')
const meter = (id: string) => registry.meters.get(id)!
const now = Date.parse('2026-11-16T10:00:00+08:00')
const heard = (minutesAgo: number): MeterStatus => ({
  lastTs: now - minutesAgo * MIN,
  lastReceivedAt: now - minutesAgo * MIN,
  lastValues: {},
  lastEstimated: false,
  readings: 10,
})

describe('offline', () => {
  it('is max(3 × interval, 15 min) by default and follows the registry where it is set', async () => {
    expect(offlineLimitMs(meter('W1'))).toBe(15 * MIN)
    expect(offlineLimitMs(meter('W-HOURLY'))).toBe(180 * MIN)
    expect(offlineLimitMs(meter('W-SLOW'))).toBe(60 * MIN)
  })

  it('the API and the web app say what the rule says', async () => {
    expect(meterState(meter('W1'), heard(30), now)).toBe('offline')
    expect(liveState(meter('W1'), heard(30), now)).toBe('offline')
    expect(meterState(meter('W-SLOW'), heard(30), now)).toBe('ok')
    expect(liveState(meter('W-SLOW'), heard(30), now)).toBe('ok')
    expect(liveState(meter('W-SLOW'), heard(61), now)).toBe('offline')
  })

  it('the rule raises meter.offline at the same limit', async () => {
    let clock = now - 70 * MIN
    const h = await alerting(CONFIG, { now: () => clock })
    h.feed('W-SLOW', [{ ts: clock, volume_m3: 1 }])
    h.feed('W1', [{ ts: clock, volume_m3: 1 }])
    clock += 30 * MIN
    h.engine.checkOffline()
    expect((await h.list('meter.offline')).map((a) => a.meter)).toEqual(['W1'])
    clock += 31 * MIN
    h.engine.checkOffline()
    expect((await h.list('meter.offline')).map((a) => a.meter).sort()).toEqual(['W-SLOW', 'W1'])
    await h.stop()
  })
})
