/**
 * heat.unoccupied_heating — on a day the building is empty (weekend, holiday, vacation), with the
 * outdoor air above frost protection, heat still flows for hours, or rooms are kept warm.
 *
 * A room is kept warm only while heat flows: when the building's heat meter says the heating is
 * off, warmth left from the last heating period is not waste; without a heat meter, a room that
 * keeps cooling by `coolingKPerHour` or more is not being heated (a well-built block is still at
 * 18 °C at 02:00 after its heating stopped at 21:40). Out of the heating season, or with the room
 * less than `aboveOutdoorK` warmer than the air outside, a warm room is the weather.
 */
import Type, { type Static } from 'typebox'
import { costEvidence, defineRule, HOUR, isRoomSensor, MINUTE, round, say, type Verdict } from '../types.js'
import { type HoldState, hold } from './hold.js'

export const params = Type.Object({
  outdoorAboveC: Type.Number({ default: 4 }),
  roomAboveC: Type.Number({ default: 18 }),
  holdHours: Type.Number({ exclusiveMinimum: 0, default: 2 }),
  clearAfterMinutes: Type.Number({ minimum: 0, default: 30 }),
  preheatHours: Type.Number({
    minimum: 0,
    default: 3,
    description: 'heating this long before people arrive is preheating, not waste',
  }),
  aboveOutdoorK: Type.Number({
    minimum: 0,
    default: 5,
    description: 'a room is heated only when this much warmer than outdoors (rooms)',
  }),
  coolingKPerHour: Type.Number({
    exclusiveMinimum: 0,
    default: 0.15,
    description: 'a room cooling this fast is not being heated (rooms without a heat meter)',
  }),
})
type P = Static<typeof params>

interface S extends HoldState {
  kwh: number
  /** A room's temperature when it was first seen warm in this run, °C. */
  startC?: number
}

export default defineRule<P, S>({
  id: 'heat.unoccupied_heating',
  kinds: ['heat', 'temperature'],
  appliesTo: (m) => m.kind === 'heat' || isRoomSensor(m),
  params,
  init: () => ({ kwh: 0 }),
  evaluate(s, r, p) {
    const emptyDay =
      !r.occupancy.occupied &&
      r.occupancy.dayType !== 'school_day' &&
      !r.occupiedAt(r.ts + p.preheatHours * HOUR)
    let condition: boolean | undefined
    if (r.meter.kind === 'heat') {
      if (r.outdoorC === undefined) return undefined
      const flowing = (r.values.power_kw ?? 0) > 0 || (r.values.flow_m3h ?? 0) > 0 || (r.used ?? 0) > 0
      condition = emptyDay && r.outdoorC > p.outdoorAboveC && flowing
    } else {
      const t = r.values.temp_c
      if (t === undefined) return undefined
      // Out of the heating season, or no warmer than the air outside, a warm room is the weather.
      const heated = r.heatingSeason && (r.outdoorC === undefined || t - r.outdoorC >= p.aboveOutdoorK)
      condition = emptyDay && t > p.roomAboveC && heated && r.heatingOn !== false
      if (!condition) delete s.startC
      else if (s.since === undefined || s.startC === undefined) s.startC = t
      else if (r.heatingOn === undefined) {
        // No heat meter to ask: a room that keeps cooling is living on warmth already in it.
        const hours = (r.ts - s.since) / HOUR
        if (hours >= p.holdHours && (s.startC - t) / hours >= p.coolingKPerHour) {
          s.since = r.ts
          s.startC = t
        }
      }
    }
    if (condition) s.kwh += r.used ?? 0
    else if (!s.since) s.kwh = 0
    return hold(s, r.ts, condition, p.holdHours * HOUR, p.clearAfterMinutes * MINUTE, (held): Verdict => {
      const hours = held / HOUR
      if (r.meter.kind === 'heat') {
        const perDay = hours > 0 ? (s.kwh / hours) * 24 : 0
        return {
          active: true,
          severity: 'warning',
          message: say('rule.heat.unoccupied_heating.supply', {
            place: r.place,
            dayType: r.occupancy.dayType,
            outdoor: round(r.outdoorC!, 1),
            hours: round(hours, 1),
          }),
          evidence: {
            hours: round(hours, 1),
            outdoorC: round(r.outdoorC!, 1),
            powerKw: round(r.values.power_kw ?? 0, 1),
            kwhSoFar: round(s.kwh, 1),
            ...costEvidence(r.meter, perDay, 'kWh'),
          },
        }
      }
      return {
        active: true,
        severity: 'warning',
        message: say('rule.heat.unoccupied_heating.room', {
          place: r.place,
          temp: round(r.values.temp_c!, 1),
          dayType: r.occupancy.dayType,
        }),
        evidence: { hours: round(hours, 1), roomC: round(r.values.temp_c!, 1), limitC: p.roomAboveC },
      }
    })
  },
})
