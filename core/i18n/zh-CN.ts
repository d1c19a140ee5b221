/** The Simplified Chinese catalogue: one entry for every key of `en.ts`, same placeholders. */
import type { en } from './en.js'

export const zhCN: Record<keyof typeof en, string> = {
  'common.unknown': '未知',
  // rules: alert and incident sentences (rules/**)
  'rule.water.continuous_flow':
    '{place}的{meter}已连续 {hours} 小时没有停止走水：每小时至少 {litres, number} 升，疑似漏水',
  'rule.water.after_hours_flow':
    '{place}无人期间，{meter}已连续走水 {minutes} 分钟（{flow, number} 升/分钟）',
  'rule.water.burst':
    '{place}的{meter}疑似爆管：流量 {flow, number} 升/分钟，已持续 {minutes} 分钟，高于平时的 {threshold, number} 升/分钟',
  'rule.water.night_flow':
    '{place}的{meter}夜间最小流量为 {flow, number} 升/小时，已连续 {nights} 晚高于平时的 {baseline, number} 升/小时',
  'rule.water.cistern_refill':
    '{place}无人期间，{meter}每 {period, number} 分钟补水一次（每次 {litres, number} 升，少于一次完整冲水），疑似马桶水箱漏水',
  'rule.electricity.after_hours':
    '{place}无人期间用电比平时高 {excess, number} 千瓦（此时段平时为 {normal, number} 千瓦），已持续 {minutes} 分钟',
  'rule.electricity.appliance':
    '{place}有一台约 {watts, number} 瓦的{resistive, select, true {电阻性电器} other {电器}}在使用，已 {minutes, number} 分钟{heater, select, true {，疑似电暖器} other {}}',
  'rule.electricity.room_limit':
    '{place}用电功率 {watts, number} 瓦，超过 {limit, number} 瓦的限额，已 {minutes, number} 分钟',
  'rule.heat.frost_risk': '{place}温度仅 {temp, number} °C，管道有冻裂风险',
  'rule.heat.low_delta_t':
    '{meter}供水 {supply, number} °C、回水 {ret, number} °C，供回水温差仅 {delta, number} K，已持续 {hours, number} 小时（旁通阀未关或水泵流量过大？）',
  'rule.heat.no_heat.room': '{place}有人使用，但室温仅 {temp, number} °C（已 {hours, number} 小时）',
  'rule.heat.no_heat.supply':
    '{place}使用期间，{meter}供水温度仅 {temp, number} °C（已 {hours, number} 小时）',
  'rule.heat.overheating':
    '{place}室温保持在 {temp, number} °C（已 {hours, number} 小时高于 {limit, number} °C）',
  'rule.heat.unoccupied_heating.supply':
    '{place}在{dayType, select, weekend {周末} holiday {节假日} vacation {假期} other {非上课日}}仍在供热，室外 {outdoor, number} °C（已 {hours, number} 小时）',
  'rule.heat.unoccupied_heating.room':
    '{dayType, select, weekend {周末} holiday {节假日} vacation {假期} other {非上课日}}无人且仍在供热，{place}室温保持在 {temp, number} °C',
  'rule.meter.offline': '{place}的{meter}已 {minutes, number} 分钟没有上报数据',
  'rule.meter.register_anomaly':
    '{meter}的累计读数{event, select, rollover {已满量程归零} reset {被清零} replacement {疑似更换表计} other {异常跳变（该读数已拒收）}}：{previous, number} → {current, number}，计入 {counted, number} {unit, select, L {升} other {千瓦时}}',
}
