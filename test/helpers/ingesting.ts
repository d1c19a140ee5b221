/** The real ingest pipeline in front of an in-memory store and a bus, for in-process tests. */
import { Bus } from '../../core/bus.js'
import { createMetrics } from '../../core/metrics.js'
import type { Registry } from '../../core/registry.js'
import { DEFAULT_LIMITS } from '../../ingest/decode.js'
import { Ingest, type IngestOptions } from '../../ingest/pipeline.js'
import { openStore } from '../../store/index.js'
import { testLog } from './log.js'

export function ingesting(registry: Registry, options: Partial<IngestOptions> = {}) {
  const store = openStore(':memory:')
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
