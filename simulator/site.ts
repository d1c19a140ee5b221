/**
 * Where a school stands: latitude and longitude (for dusk and dawn) and its climate (for the
 * weather). The registry does not say; a simulation is given sites per school, or takes a
 * school in the North China Plain.
 */
import { type Climate, DEFAULT_CLIMATE } from './weather.js'

export interface Site {
  /** Degrees north, and east. */
  latitude: number
  longitude: number
  climate: Climate
  /** Lawns and a sports field watered on warm evenings (default: drawn, six schools in ten). */
  irrigated?: boolean
}

/** Beijing: 39.9 °N, 116.4 °E, January about −3 °C, July about 27 °C. */
export const DEFAULT_SITE: Site = { latitude: 39.9, longitude: 116.4, climate: DEFAULT_CLIMATE }
