/** The rules' public entry: the part (`RulesService`), the engine, the alert lifecycle, the catalogue. */
export { AlertError, AlertManager, type IncidentChange } from './alerts.js'
export { RULES } from './catalogue.js'
export { RuleEngine } from './engine.js'
export { offlineLimitMs } from './meter/offline.js'
export { RulesService, type RulesServiceOptions } from './service.js'
export { RULE_IDS, type RuleId, say, type Verdict } from './types.js'
