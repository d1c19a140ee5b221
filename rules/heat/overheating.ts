/**
 * heat.overheating — occupied rooms kept too warm. Watched in the heating season only (by
 * default): a warm June afternoon is weather, not a heating fault.
 */
import Type, { type Static } from 'typebox'
import { defineRule, HOUR, isRoomSensor, MINUTE, round, say } from '../types.js'
import { type HoldState, hold } from './hold.js'

export const params = Type.Object({
  aboveC: Type.Number({ default: 24 }),
  holdHours: Type.Number({ exclusiveMinimum: 0, default: 2 }),
  heatingSeasonOnly: Type.Boolean({ default: true }),
  clearAfterMinutes: Type.Number({ minimum: 0, default: 30 }),
})
type P = Static<typeof params>

export default defineRule<P, HoldState>({
  id: 'heat.overheating',
  kinds: ['temperature'],
  appliesTo: isRoomSensor,
  params,
  init: () => ({}),
  evaluate(s, r, p) {
    const t = r.values.temp_c
    if (t === undefined) return undefined
    const condition = r.occupancy.occupied && (!p.heatingSeasonOnly || r.heatingSeason) && t > p.aboveC
    return hold(s, r.ts, condition, p.holdHours * HOUR, p.clearAfterMinutes * MINUTE, (held) => ({
      active: true,
      severity: 'warning',
      message: say('rule.heat.overheating', {
        place: r.place,
        temp: round(t, 1),
        hours: round(held / HOUR, 1),
        limit: p.aboveC,
      }),
      evidence: { roomC: round(t, 1), limitC: p.aboveC, hours: round(held / HOUR, 1) },
    }))
  },
})
