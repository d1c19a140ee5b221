/** Every rule, by id: adding a rule is adding its file and a line here. */
import electricityAfterHours from './electricity/after-hours.js'
import highPowerAppliance from './electricity/high-power-appliance.js'
import frostRisk from './heat/frost-risk.js'
import lowDeltaT from './heat/low-delta-t.js'
import noHeat from './heat/no-heat.js'
import overheating from './heat/overheating.js'
import unoccupiedHeating from './heat/unoccupied-heating.js'
import offline from './meter/offline.js'
import registerAnomaly from './meter/register-anomaly.js'
import type { Rule, RuleId } from './types.js'
import waterAfterHoursFlow from './water/after-hours-flow.js'
import burst from './water/burst.js'
import cisternRefill from './water/cistern-refill.js'
import continuousFlow from './water/continuous-flow.js'
import nightFlow from './water/night-flow.js'

// biome-ignore lint/suspicious/noExplicitAny: each rule has its own parameter and state types
export const RULES: Record<RuleId, Rule<any, any>> = {
  'water.continuous_flow': continuousFlow,
  'water.after_hours_flow': waterAfterHoursFlow,
  'water.burst': burst,
  'water.night_flow': nightFlow,
  'water.cistern_refill': cisternRefill,
  'electricity.high_power_appliance': highPowerAppliance,
  'electricity.after_hours': electricityAfterHours,
  'heat.unoccupied_heating': unoccupiedHeating,
  'heat.frost_risk': frostRisk,
  'heat.low_delta_t': lowDeltaT,
  'heat.no_heat': noHeat,
  'heat.overheating': overheating,
  'meter.offline': offline,
  'meter.register_anomaly': registerAnomaly,
}
