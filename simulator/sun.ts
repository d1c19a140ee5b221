/**
 * Sunrise and sunset at a place, for lights that follow the day: photocells and astronomical
 * timers. The "sunrise equation" with the equation of time and the Sun's declination (NOAA's
 * simplified solar position, good to a minute or two below the polar circles).
 */

const RAD = Math.PI / 180
const DAY_MS = 86_400_000
/** Julian day of 1970-01-01T00:00Z. */
const UNIX_EPOCH_JD = 2440587.5
const J2000 = 2451545

export interface SunDay {
  /** Epoch ms of sunrise and sunset (centre of the disc at −0.833°, refraction included). */
  sunrise: number
  sunset: number
}

/**
 * Sunrise and sunset of the solar day nearest to noon UTC of `day` (days since 1970-01-01) at
 * longitude `lon` (east positive) and latitude `lat`. Polar day or night: the Sun is treated as
 * rising and setting at solar noon ± 12 h or ± 0 h.
 */
export function sunDay(day: number, lat: number, lon: number, altitudeDeg = -0.833): SunDay {
  // Days since J2000 at the solar noon of this place on this date.
  const n = Math.round(day + UNIX_EPOCH_JD + 0.5 - J2000 + 0.0008)
  const jStar = n - lon / 360
  const m = (((357.5291 + 0.98560028 * jStar) % 360) + 360) % 360
  const c = 1.9148 * Math.sin(m * RAD) + 0.02 * Math.sin(2 * m * RAD) + 0.0003 * Math.sin(3 * m * RAD)
  const lambda = (m + c + 180 + 102.9372) % 360
  const transit = J2000 + jStar + 0.0053 * Math.sin(m * RAD) - 0.0069 * Math.sin(2 * lambda * RAD)
  const sinDecl = Math.sin(lambda * RAD) * Math.sin(23.4397 * RAD)
  const cosDecl = Math.cos(Math.asin(sinDecl))
  const cosH = (Math.sin(altitudeDeg * RAD) - Math.sin(lat * RAD) * sinDecl) / (Math.cos(lat * RAD) * cosDecl)
  const h = cosH <= -1 ? 180 : cosH >= 1 ? 0 : Math.acos(cosH) / RAD
  const toMs = (jd: number) => Math.round((jd - UNIX_EPOCH_JD) * DAY_MS)
  return { sunrise: toMs(transit - h / 360), sunset: toMs(transit + h / 360) }
}
