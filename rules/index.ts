export { AlertError, AlertManager } from './alerts.js'
export { RULES } from './catalogue.js'
export { RuleEngine } from './engine.js'
export { RULE_IDS, type RuleId, type Verdict } from './types.js'
