/** Alerts: what a rule raises and people act on (CONTRACT.md, "An alert object"). Times are epoch ms here. */
export type AlertStatus = 'open' | 'acknowledged' | 'resolved'
export type Severity = 'info' | 'warning' | 'critical'
export type AlertTransition = 'opened' | 'acknowledged' | 'resolved' | 'escalated'

export interface Alert {
  id: number
  /** rule|meter: at most one active alert per key. */
  key: string
  school: string
  building: string
  meter: string
  space?: string
  rule: string
  severity: Severity
  status: AlertStatus
  /** Event time of the reading that raised it. */
  openedAt: number
  lastSeenAt: number
  acknowledgedAt?: number
  acknowledgedBy?: string
  resolvedAt?: number
  resolvedBy?: string
  falsePositive: boolean
  note?: string
  escalatedAt?: number
  message: string
  evidence: Record<string, unknown>
}
