/**
 * The API's public entry: the part (`ApiService`, the server listening), what the web app serves
 * beside it on the same port (the live views, who may do what), and the server for tests and tools.
 */
export { allows } from './auth.js'
export {
  hourlyUse,
  type LiveDeps,
  liveState,
  type MeterSeries,
  type MeterState,
  meterSeries,
  monthAt,
  qualityMeters,
  schoolStatus,
} from './live.js'
export { apiSecurityFromEnv, authRequired, type SecurityOptions } from './security.js'
export { type ApiDeps, buildApi, type PartHealth } from './server.js'
export { ApiService, type ApiServiceOptions, type PartsHealth } from './service.js'
