/** heat.frost_risk — a room or pipe space cold enough to freeze pipes → critical. */
import Type, { type Static } from 'typebox'
import { defineRule, isRoomSensor, MINUTE, round, say } from '../types.js'
import { type HoldState, hold } from './hold.js'

export const params = Type.Object({
  belowC: Type.Number({ default: 5 }),
  holdMinutes: Type.Number({ minimum: 0, default: 0 }),
  clearAboveC: Type.Number({ default: 6 }),
  clearAfterMinutes: Type.Number({ minimum: 0, default: 30 }),
})
type P = Static<typeof params>

export default defineRule<P, HoldState>({
  id: 'heat.frost_risk',
  kinds: ['temperature'],
  appliesTo: isRoomSensor,
  params,
  init: () => ({}),
  evaluate(s, r, p) {
    const t = r.values.temp_c
    if (t === undefined) return undefined
    // Between the two thresholds nothing changes: no flapping around 5 °C.
    const condition =
      t < p.belowC ? true : t >= p.clearAboveC ? false : s.since !== undefined ? true : undefined
    return hold(s, r.ts, condition, p.holdMinutes * MINUTE, p.clearAfterMinutes * MINUTE, () => ({
      active: true,
      severity: 'critical',
      message: say('rule.heat.frost_risk', { place: r.place, temp: round(t, 1) }),
      evidence: {
        roomC: round(t, 1),
        limitC: p.belowC,
        outdoorC: r.outdoorC !== undefined ? round(r.outdoorC, 1) : 'unknown',
      },
    }))
  },
})
