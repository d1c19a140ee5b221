/**
 * Load profiles: how water, electricity and heat are used in each kind of building over a
 * school day. Shapes are piecewise-linear over local minutes; numbers are per 100 people (water
 * events) or per m² (electric power), chosen so that a primary school of 600 pupils uses some
 * 10–15 m³ of water on a school day and peaks around 60–80 kW.
 */
import type { BuildingConfig } from '../core/config/schema.js'

export type BuildingUse = BuildingConfig['use']

/** A piecewise-linear shape over local minutes: [minute, value] points, flat outside. */
export type Shape = readonly (readonly [number, number])[]

const hm = (h: number, m = 0) => h * 60 + m

export function shapeAt(shape: Shape, minute: number): number {
  if (shape.length === 0) return 0
  if (minute <= shape[0]![0]) return shape[0]![1]
  for (let i = 1; i < shape.length; i++) {
    const [m1, v1] = shape[i]!
    if (minute <= m1) {
      const [m0, v0] = shape[i - 1]!
      return v0 + ((v1 - v0) * (minute - m0)) / (m1 - m0 || 1)
    }
  }
  return shape[shape.length - 1]![1]
}

/** Kinds of water draw: litres per event and seconds it lasts. */
export const DRAWS = {
  flush: { litres: [5.5, 6.5], seconds: [50, 80] },
  tap: { litres: [0.4, 2], seconds: [10, 40] },
  shower: { litres: [30, 60], seconds: [300, 480] },
  kitchen: { litres: [10, 40], seconds: [120, 300] },
  urinal: { litres: [4.5, 4.5], seconds: [45, 45] },
} as const
export type DrawKind = keyof typeof DRAWS

/** Events per minute per 100 people at shape 1, while the building is occupied. */
export const WATER_USE: Record<BuildingUse, Partial<Record<DrawKind, number>> & { shape: Shape }> = {
  teaching: {
    flush: 0.5,
    tap: 1.2,
    shape: [
      [hm(7), 0.3],
      [hm(7, 45), 1.5],
      [hm(8, 15), 0.5],
      [hm(9, 40), 0.5],
      [hm(9, 50), 2],
      [hm(10, 5), 0.5],
      [hm(11, 40), 0.6],
      [hm(12), 1.3],
      [hm(13), 0.8],
      [hm(14, 40), 0.5],
      [hm(14, 50), 1.8],
      [hm(15, 5), 0.5],
      [hm(16, 30), 0.6],
      [hm(17, 30), 0.2],
    ],
  },
  canteen: {
    kitchen: 0.12,
    tap: 0.4,
    shape: [
      [hm(6, 30), 0.5],
      [hm(7, 30), 1],
      [hm(8, 30), 0.3],
      [hm(10), 0.8],
      [hm(11, 30), 2],
      [hm(13), 2],
      [hm(14), 0.4],
      [hm(16, 30), 0.6],
      [hm(17, 30), 1.5],
      [hm(18, 30), 0.3],
    ],
  },
  dormitory: {
    shower: 0.1,
    flush: 0.4,
    tap: 0.8,
    shape: [
      [hm(0), 0.05],
      [hm(5, 50), 0.05],
      [hm(6, 30), 1.6],
      [hm(7, 20), 0.4],
      [hm(12), 0.3],
      [hm(18), 0.4],
      [hm(19, 30), 1],
      [hm(21, 30), 1.3],
      [hm(22, 30), 0.15],
      [hm(23, 59), 0.05],
    ],
  },
  gym: {
    shower: 0.015,
    flush: 0.2,
    tap: 0.3,
    shape: [
      [hm(8), 0.4],
      [hm(10), 1],
      [hm(16), 1],
      [hm(17, 30), 0.3],
    ],
  },
  pool: {
    shower: 0.05,
    flush: 0.2,
    tap: 0.2,
    shape: [
      [hm(8), 0.4],
      [hm(10), 1],
      [hm(16), 1],
      [hm(18), 0.3],
    ],
  },
  office: {
    flush: 0.2,
    tap: 0.5,
    shape: [
      [hm(8), 1],
      [hm(17), 1],
    ],
  },
  library: {
    flush: 0.2,
    tap: 0.3,
    shape: [
      [hm(8), 1],
      [hm(17), 1],
    ],
  },
  workshop: {
    flush: 0.3,
    tap: 0.8,
    shape: [
      [hm(8), 1],
      [hm(11, 30), 1],
      [hm(12), 0.4],
      [hm(13, 30), 1],
      [hm(17), 1],
    ],
  },
  laboratory: {
    flush: 0.2,
    tap: 1,
    shape: [
      [hm(8), 1],
      [hm(17), 1],
    ],
  },
  boiler_house: {
    tap: 0.05,
    shape: [
      [hm(8), 1],
      [hm(17), 1],
    ],
  },
  other: {
    flush: 0.2,
    tap: 0.4,
    shape: [
      [hm(8), 1],
      [hm(17), 1],
    ],
  },
}

/** Timed urinal flush cisterns: one flush every this many minutes, night and day, in toilet spaces. */
export const URINAL_PERIOD_MIN = 20
/** Steady draw during planned use (pool top-up, irrigation), L/min. */
export const PLANNED_FILL_LPM = 30

/** Electric load in W/m²: always-on base, and occupied load at shape 1. */
export const POWER_USE: Record<BuildingUse, { baseWm2: number; occupiedWm2: number; shape: Shape }> = {
  teaching: {
    baseWm2: 1.2,
    occupiedWm2: 10,
    shape: [
      [hm(7), 0.3],
      [hm(8), 1],
      [hm(11, 30), 1],
      [hm(12), 0.7],
      [hm(13), 0.7],
      [hm(13, 30), 1],
      [hm(16, 30), 1],
      [hm(17, 50), 0.35],
    ],
  },
  canteen: {
    baseWm2: 5,
    occupiedWm2: 30,
    shape: [
      [hm(6, 30), 0.5],
      [hm(7, 30), 0.6],
      [hm(8, 30), 0.15],
      [hm(10), 0.6],
      [hm(11, 30), 1],
      [hm(12, 45), 1],
      [hm(13, 30), 0.2],
      [hm(16, 30), 0.5],
      [hm(17, 30), 0.9],
      [hm(18, 30), 0.1],
    ],
  },
  dormitory: {
    baseWm2: 0.6,
    occupiedWm2: 2.5,
    shape: [
      [hm(0), 0.3],
      [hm(6), 0.3],
      [hm(6, 30), 1],
      [hm(7, 30), 0.5],
      [hm(18), 1],
      [hm(22, 30), 1],
      [hm(22, 40), 0.3],
    ],
  },
  gym: {
    baseWm2: 0.6,
    occupiedWm2: 6,
    shape: [
      [hm(8), 1],
      [hm(17), 1],
    ],
  },
  pool: {
    baseWm2: 9,
    occupiedWm2: 4,
    shape: [
      [hm(8), 1],
      [hm(17), 1],
    ],
  },
  office: {
    baseWm2: 1,
    occupiedWm2: 8,
    shape: [
      [hm(8), 1],
      [hm(17), 1],
    ],
  },
  library: {
    baseWm2: 1,
    occupiedWm2: 7,
    shape: [
      [hm(8), 1],
      [hm(17), 1],
    ],
  },
  workshop: {
    baseWm2: 1,
    occupiedWm2: 14,
    shape: [
      [hm(8), 1],
      [hm(11, 30), 1],
      [hm(12), 0.3],
      [hm(13, 30), 1],
      [hm(17), 1],
    ],
  },
  laboratory: {
    baseWm2: 1.5,
    occupiedWm2: 10,
    shape: [
      [hm(8), 1],
      [hm(17), 1],
    ],
  },
  boiler_house: {
    baseWm2: 5,
    occupiedWm2: 2,
    shape: [
      [hm(8), 1],
      [hm(17), 1],
    ],
  },
  other: {
    baseWm2: 1,
    occupiedWm2: 6,
    shape: [
      [hm(8), 1],
      [hm(17), 1],
    ],
  },
}

/** A dorm room's own use, W: evening lights and devices, chargers at night, standby when empty. */
export const DORM_ROOM = { eveningW: 130, morningW: 90, quietW: 25, emptyW: 8, walkSdW: 20 } as const

/**
 * Space heating: W per m² per K of indoor–outdoor difference, the design outdoor temperature,
 * the lowest supply a circuit runs at, and frost protection (below 4 °C outside). Each school's
 * own targets, setback, preheat and building mass are drawn in life/index.ts (HeatingHabits).
 */
export const HEATING = {
  uaWm2K: 1.6,
  frostProtectionBelowC: 4,
  designOutdoorC: -10,
  minSupplyC: 40,
  /** ΔT of a circuit at design load, K. */
  designDeltaK: 20,
  plantRoomC: 22,
} as const
