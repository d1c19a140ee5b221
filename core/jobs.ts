/**
 * Scheduled work still running: a part that runs jobs on a schedule tracks them here, so that its
 * `stop()` can wait for a job already under way instead of closing the store beneath it.
 */
export class Jobs {
  private readonly running = new Set<Promise<unknown>>()

  /** Runs `job` now and tracks it until it settles; its result (or error) is the caller's. */
  run<T>(job: () => Promise<T>): Promise<T> {
    const p = job()
    this.running.add(p)
    const untrack = () => this.running.delete(p)
    p.then(untrack, untrack)
    return p
  }

  /** How many jobs are under way. */
  get size(): number {
    return this.running.size
  }

  /** Resolves once no job is running (those started meanwhile included); never rejects. */
  async settled(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running])
  }
}
