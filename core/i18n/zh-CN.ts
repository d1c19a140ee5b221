/** The Simplified Chinese catalogue: one entry for every key of `en.ts`, same placeholders. */
import type { en } from './en.js'

export const zhCN: Record<keyof typeof en, string> = {
  'common.unknown': '未知',
  // savings
  'savings.reason.separator': '；',
  'savings.reason.baseline_incomplete': '基准期尚未结束：需要满 12 个月的数据才能比较节约量',
  'savings.reason.baseline_insufficient': '基准期内有读数的天数不足（需要 90% 的天数，且每个月至少一半）',
  'savings.reason.no_model': '基准模型未通过检验：天气和校历不足以解释用量',
  'savings.reason.model_cv_rmse': '基准模型对月用量的误差超出 ASHRAE 14 号导则的限值（CV(RMSE) 高于 15%）',
  'savings.reason.model_nmbe': '基准模型的系统偏差超出 ASHRAE 14 号导则的限值（NMBE 超出 ±5%）',
  'savings.reason.before_baseline': '该月在基准期之前',
  'savings.reason.in_baseline': '该月属于基准期，不计节约量',
  'savings.reason.coverage': '本月表计数据覆盖不足 90%',
  'savings.reason.weather_missing': '超过 10% 的天数缺少室外温度',
  'savings.reason.season_fit': '基准模型对基准年同月的误差超过 15%',
  'savings.reason.negligible_use':
    '本月实际和预期用量都几乎为零（如非采暖季的供热），不计算节约率、不参与排名',
  'savings.reason.no_expected': '无预期用量',
  'savings.cli.notRanked': '{school} {utility}：不参与排名：{reasons}',
  'savings.cli.interval': '{school} {utility}：节约 {pct}%（90% 置信区间 {low} … {high}%），{method}',
  'savings.method.daily_model': '基准模型',
  'savings.method.last_year_scaled': '仅供参考：去年同月用量，按上课日和天气调整',
  'savings.method.none': '无预期用量',
  'savings.dashboard.row': '节约量',
  'savings.dashboard.savings': '相对基准期的节约量（含 90% 置信区间）',
  'savings.dashboard.savingsDescription':
    '节约报表的月度数据（monthly_report 测量）：节约量占预期用量的百分比、ASHRAE 14 号导则的 90% 置信区间、' +
    '基准期以来的累计节约，以及该数据是否通过检验（fail：不参与排名，原因见报表）。',
  'savings.dashboard.school': '学校',
  'savings.dashboard.utility': '能源类型',
  'savings.dashboard.savingsPct': '节约率 %',
  'savings.dashboard.low': '下限（90%）',
  'savings.dashboard.high': '上限（90%）',
  'savings.dashboard.cumulative': '基准期以来 %',
  'savings.dashboard.gate': '检验',
  'savings.dashboard.method': '方法',
}
