/**
 * A channel target's rate limits as the platform counts them: at most `max` messages in any
 * `perMs` (sliding windows, all at once — Feishu allows 100 a minute and 5 a second), plus a lock
 * the platform imposes after a breach (DingTalk: 10 minutes). The dispatcher asks before each send,
 * so a limit is never exceeded by us; a lock still comes when another sender shares the robot.
 */
import type { RateWindow } from './channel.js'

export class RateLimiter {
  /** Send times of the last `max` sends of the largest window, oldest first. */
  private readonly sent: number[] = []
  private readonly keep: number
  private lockedUntil = 0

  constructor(
    private readonly windows: readonly RateWindow[],
    /** Added to every window: the platform counts on its clock, when our message arrives. */
    private readonly marginMs = 0,
  ) {
    this.keep = Math.max(0, ...windows.map((w) => w.max))
  }

  /** How long to wait before the next send may go, ms; 0 when it may go now. */
  waitMs(now: number): number {
    let until = this.lockedUntil
    for (const w of this.windows) {
      if (this.sent.length < w.max) continue
      // The send that must leave the window before another may enter it.
      const oldest = this.sent[this.sent.length - w.max]!
      until = Math.max(until, oldest + w.perMs + this.marginMs)
    }
    return Math.max(0, until - now)
  }

  record(now: number): void {
    this.sent.push(now)
    if (this.sent.length > this.keep) this.sent.splice(0, this.sent.length - this.keep)
  }

  /** The platform said to stop until `until` (its rate limit lock). */
  lock(until: number): void {
    this.lockedUntil = Math.max(this.lockedUntil, until)
  }
}
