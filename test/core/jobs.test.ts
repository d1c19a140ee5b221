/** Jobs: what a part's stop() waits for — a scheduled job under way, and one it starts meanwhile. */
import { describe, expect, it } from 'vitest'
import { Jobs } from '../../core/jobs.js'

/** A promise the test settles by hand. */
function gate<T = void>() {
  let open!: (v: T) => void
  let fail!: (e: Error) => void
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve
    fail = reject
  })
  return { promise, open, fail }
}

describe('Jobs', () => {
  it('settled() waits for every job under way, including one started while it waited', async () => {
    const jobs = new Jobs()
    const first = gate()
    const second = gate()
    const done: string[] = []
    void jobs.run(async () => {
      await first.promise
      done.push('first')
      // A job that starts another before it ends (a report that triggers a notification).
      void jobs.run(async () => {
        await second.promise
        done.push('second')
      })
    })
    let settled = false
    const waiting = jobs.settled().then(() => {
      settled = true
    })
    await Promise.resolve()
    expect(settled).toBe(false)
    first.open()
    await new Promise((r) => setImmediate(r))
    expect(done).toEqual(['first'])
    expect(settled).toBe(false)
    expect(jobs.size).toBe(1)
    second.open()
    await waiting
    expect(done).toEqual(['first', 'second'])
    expect(jobs.size).toBe(0)
  })

  it("a failing job's error is its caller's; settled() still resolves", async () => {
    const jobs = new Jobs()
    const g = gate()
    const run = jobs.run(() => g.promise)
    g.fail(new Error('store closed'))
    await expect(run).rejects.toThrow('store closed')
    await expect(jobs.settled()).resolves.toBeUndefined()
    expect(jobs.size).toBe(0)
  })
})
