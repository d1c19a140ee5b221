/** heat.low_delta_t — in the heating season, water flows through the circuit but supply − return stays too small. */
import Type, { type Static } from 'typebox'
import { defineRule, HOUR, MINUTE, round, say } from '../types.js'
import { type HoldState, hold } from './hold.js'

export const params = Type.Object({
  minDeltaK: Type.Number({ exclusiveMinimum: 0, default: 5 }),
  holdHours: Type.Number({ exclusiveMinimum: 0, default: 6 }),
  clearAfterMinutes: Type.Number({ minimum: 0, default: 60 }),
})
type P = Static<typeof params>

export default defineRule<P, HoldState>({
  id: 'heat.low_delta_t',
  kinds: ['heat'],
  params,
  init: () => ({}),
  evaluate(s, r, p) {
    const { supply_c: supply, return_c: ret, flow_m3h: flow, power_kw: power } = r.values
    if (supply === undefined || ret === undefined) return undefined
    const flowing = (flow ?? 0) > 0 || (power ?? 0) > 0
    const dt = supply - ret
    const condition = r.heatingSeason && flowing && dt < p.minDeltaK
    return hold(s, r.ts, condition, p.holdHours * HOUR, p.clearAfterMinutes * MINUTE, (held) => ({
      active: true,
      severity: 'warning',
      message: say('rule.heat.low_delta_t', {
        meter: r.meterName,
        supply: round(supply, 1),
        ret: round(ret, 1),
        delta: round(dt, 1),
        hours: round(held / HOUR, 1),
      }),
      evidence: {
        deltaK: round(dt, 2),
        supplyC: round(supply, 1),
        returnC: round(ret, 1),
        flowM3h: round(flow ?? 0, 3),
        hours: round(held / HOUR, 1),
        minDeltaK: p.minDeltaK,
      },
    }))
  },
})
