/** The real ingest pipeline in front of an in-memory store and a bus, for in-process tests. */
import { Bus } from '../../core/bus.js'
import { createMetrics } from '../../core/metrics.js'
import type { Registry } from '../../core/registry.js'
import { DEFAULT_LIMITS } from '../../ingest/decode.js'
import { Ingest, type IngestOptions } from '../../ingest/pipeline.js'
import type { Store } from '../../store/index.js'
import { openTestStore } from './app-store.js'
import { testLog } from './log.js'

/**
 * On `store`, or on a throw-away one with its app store on the suite's PostgreSQL when the suite
 * runs on it (test/helpers/app-store.ts).
 */
export async function ingesting(registry: Registry, options: Partial<IngestOptions> = {}, given?: Store) {
  const store = given ?? (await openTestStore())
  const bus = new Bus()
  const ingest = new Ingest({
    registry,
    store,
    bus,
    metrics: createMetrics({ defaultMetrics: false }),
    log: testLog,
    limits: DEFAULT_LIMITS,
    watermarkMs: 600_000,
    ...options,
  })
  return { store, bus, ingest }
}
