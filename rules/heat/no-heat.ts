/**
 * heat.no_heat — in the heating season, while the building is occupied, the supply is too cold
 * (heat meters) or the room is (room sensors). A cold supply only counts when heat is needed:
 * with the outdoor air above `onlyBelowOutdoorC` a switched-off circuit is not a fault.
 */
import Type, { type Static } from 'typebox'
import { defineRule, HOUR, isRoomSensor, MINUTE, round, say } from '../types.js'
import { type HoldState, hold } from './hold.js'

export const params = Type.Object({
  supplyBelowC: Type.Number({ default: 30 }),
  roomBelowC: Type.Number({ default: 16 }),
  holdHours: Type.Number({ exclusiveMinimum: 0, default: 1 }),
  onlyBelowOutdoorC: Type.Number({ default: 15 }),
  clearAfterMinutes: Type.Number({ minimum: 0, default: 30 }),
})
type P = Static<typeof params>

export default defineRule<P, HoldState>({
  id: 'heat.no_heat',
  kinds: ['heat', 'temperature'],
  appliesTo: (m) => m.kind === 'heat' || isRoomSensor(m),
  params,
  init: () => ({}),
  evaluate(s, r, p) {
    const heatNeeded =
      r.heatingSeason &&
      r.occupancy.occupied &&
      (r.outdoorC === undefined || r.outdoorC < p.onlyBelowOutdoorC)
    const room = r.meter.kind === 'temperature'
    const value = room ? r.values.temp_c : r.values.supply_c
    if (value === undefined) return undefined
    const condition = heatNeeded && value < (room ? p.roomBelowC : p.supplyBelowC)
    return hold(s, r.ts, condition, p.holdHours * HOUR, p.clearAfterMinutes * MINUTE, (held) => ({
      active: true,
      severity: room ? 'warning' : 'critical',
      message: room
        ? say('rule.heat.no_heat.room', {
            place: r.place,
            temp: round(value, 1),
            hours: round(held / HOUR, 1),
          })
        : say('rule.heat.no_heat.supply', {
            meter: r.meterName,
            place: r.place,
            temp: round(value, 1),
            hours: round(held / HOUR, 1),
          }),
      evidence: {
        [room ? 'roomC' : 'supplyC']: round(value, 1),
        limitC: room ? p.roomBelowC : p.supplyBelowC,
        hours: round(held / HOUR, 1),
        outdoorC: r.outdoorC !== undefined ? round(r.outdoorC, 1) : 'unknown',
      },
    }))
  },
})
