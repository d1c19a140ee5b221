/** The Simplified Chinese catalogue: one entry for every key of `en.ts`, same placeholders. */
import type { en } from './en.js'

export const zhCN: Record<keyof typeof en, string> = {
  'common.unknown': '未知',
}
