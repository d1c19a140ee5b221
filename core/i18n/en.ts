/**
 * The English catalogue, and the list of every message key: `zh-CN.ts` must translate each one
 * (the compiler and test/core/i18n.test.ts check). ICU MessageFormat:
 * https://unicode-org.github.io/icu/userguide/format_parse/messages/
 */
export const en = {
  'common.unknown': 'unknown',
  // rules: alert and incident sentences (rules/**)
  'rule.water.continuous_flow':
    'Water has not stood still for {hours} h at {meter} ({place}): at least {litres, number} L every hour — a leak',
  'rule.water.after_hours_flow':
    'Water has been running for {minutes} min at {meter} while {place} is empty ({flow, number} L/min)',
  'rule.water.burst':
    'Burst at {meter} ({place}): {flow, number} L/min for {minutes} min, above the usual {threshold, number} L/min',
  'rule.water.night_flow':
    'Night flow at {meter} ({place}) is {flow, number} L/h, above its usual {baseline, number} L/h for {nights} nights',
  'rule.water.cistern_refill':
    'A cistern refills every {period, number} min at {meter} ({litres, number} L each, less than a full flush) while {place} is empty — a running toilet',
  'rule.electricity.after_hours':
    '{place} uses {excess, number} kW more than usual while empty (usually {normal, number} kW at this hour; {minutes} min so far)',
  'rule.electricity.appliance':
    '{resistive, select, true {A resistive appliance} other {An appliance}} of about {watts, number} W in {place}, on for {minutes, number} min{heater, select, true { — likely a heater} other {}}',
  'rule.electricity.room_limit':
    '{place} draws {watts, number} W, over its {limit, number} W limit, for {minutes, number} min',
  'rule.heat.frost_risk': '{place} is at {temp, number} °C: pipes may freeze',
  'rule.heat.low_delta_t':
    '{meter}: supply {supply, number} °C, return {ret, number} °C — only {delta, number} K apart for {hours, number} h (bypass open, pump too fast?)',
  'rule.heat.no_heat.room': '{place} is only {temp, number} °C with people in it ({hours, number} h)',
  'rule.heat.no_heat.supply':
    '{meter} supplies only {temp, number} °C while {place} is in use ({hours, number} h)',
  'rule.heat.overheating':
    '{place} is kept at {temp, number} °C ({hours, number} h above {limit, number} °C)',
  'rule.heat.unoccupied_heating.supply':
    'Heating runs in {place} on {dayType, select, weekend {a weekend} holiday {a holiday} vacation {a vacation day} other {a day off}} with {outdoor, number} °C outside ({hours, number} h so far)',
  'rule.heat.unoccupied_heating.room':
    '{place} is kept at {temp, number} °C on {dayType, select, weekend {a weekend} holiday {a holiday} vacation {a vacation day} other {a day off}} with nobody in and the heating on',
  'rule.meter.offline': '{meter} ({place}) has sent nothing for {minutes, number} min',
  'rule.meter.register_anomaly':
    'The register of {meter} {event, select, rollover {rolled over} reset {was reset} replacement {was replaced} other {jumped implausibly (the reading was rejected)}}: {previous, number} → {current, number}, counted {counted, number} {unit, select, L {L} other {kWh}}',
} as const satisfies Record<string, string>
