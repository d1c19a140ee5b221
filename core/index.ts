export { Bus, type ServiceEvents } from './bus.js'
export { demoEnabled, Env, flag, readEnv } from './config/env.js'
export { DEMO_CONFIG_PATH, type LoadedConfig, loadConfigFile, parseConfig } from './config/load.js'
export * from './config/schema.js'
export { ConfigError, type ConfigProblem, SchoolmeterError } from './errors.js'
export * from './kinds.js'
export { createMetrics, type Metrics } from './metrics.js'
export * from './reading.js'
export {
  type Building,
  buildRegistry,
  type Meter,
  type Registry,
  type School,
  type Space,
  schoolMeters,
} from './registry.js'
export { formatInstant } from './time.js'
