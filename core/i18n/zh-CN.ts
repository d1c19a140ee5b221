/** The Simplified Chinese catalogue: one entry for every key of `en.ts`, same placeholders. */
import type { en } from './en.js'

export const zhCN: Record<keyof typeof en, string> = {
  'common.unknown': '未知',
  // security
  'security.health.diskFull':
    '{path} 所在的磁盘已满：系统暂停接收读数，网关的上报被暂缓。请清理出空间，服务会自动恢复。',
  'security.health.diskError':
    '服务无法写入 {path}（{code}）：在恢复写入之前，系统暂停接收读数，网关的上报被暂缓。',
  'security.startup.diskFull':
    'schoolmeter 无法启动：{path} 所在的磁盘已满（剩余 {free}），请清理出空间后重新启动。',
}
