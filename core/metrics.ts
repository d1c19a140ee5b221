/**
 * Every Prometheus metric the service exposes, declared in one place so that names stay
 * consistent and /metrics documents itself. Parts receive the object and increment what is theirs.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry()
  // Parts that count on the hot path in plain numbers hand them over here, just before a scrape.
  const collectors: (() => void)[] = []
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'schoolmeter_' })
  const registers = [registry]
  // Counts of every message and reading, kept in plain numbers and handed to their counters when
  // they are read: prom-client's inc() allocates twice per call, which showed in profiles.
  const hot = { messagesReceived: 0, readingsAccepted: 0 }
  return {
    registry,
    /** Increment these on the hot path; the counters below pick them up at every scrape. */
    hot,
    messagesReceived: new Counter({
      name: 'schoolmeter_messages_received_total',
      help: 'MQTT messages received on reading topics',
      registers,
      collect() {
        if (hot.messagesReceived > 0) this.inc(hot.messagesReceived)
        hot.messagesReceived = 0
      },
    }),
    readingsAccepted: new Counter({
      name: 'schoolmeter_readings_accepted_total',
      help: 'Readings accepted and passed on to storage and rules',
      registers,
      collect() {
        if (hot.readingsAccepted > 0) this.inc(hot.readingsAccepted)
        hot.readingsAccepted = 0
      },
    }),
    readingsRejected: new Counter({
      name: 'schoolmeter_readings_rejected_total',
      help: 'Messages or readings rejected, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    readingsDuplicate: new Counter({
      name: 'schoolmeter_readings_duplicate_total',
      help: 'Readings seen before (same meter and timestamp), counted once',
      registers,
    }),
    readingsLate: new Counter({
      name: 'schoolmeter_readings_late_total',
      help: 'Readings older than the watermark: stored, not counted into consumption',
      registers,
    }),
    registerAnomalies: new Counter({
      name: 'schoolmeter_register_anomalies_total',
      help: 'Register rollovers, resets, replacements and implausible jumps',
      labelNames: ['type'] as const,
      registers,
    }),
    influxLinesWritten: new Counter({
      name: 'schoolmeter_influx_lines_written_total',
      help: 'Lines acknowledged by InfluxDB',
      registers,
    }),
    influxBatches: new Counter({
      name: 'schoolmeter_influx_batches_total',
      help: 'Write batches by outcome: ok, retried, spooled, drained, rejected',
      labelNames: ['result'] as const,
      registers,
    }),
    influxWriteSeconds: new Histogram({
      name: 'schoolmeter_influx_write_seconds',
      help: 'Duration of successful InfluxDB writes',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    influxDroppedLines: new Counter({
      name: 'schoolmeter_influx_dropped_lines_total',
      help: 'Lines that could be neither written nor spooled (spool full) or that InfluxDB refused as malformed',
      labelNames: ['reason'] as const,
      registers,
    }),
    ruleEvaluations: new Counter({
      name: 'schoolmeter_rule_evaluations_total',
      help: 'Readings evaluated by rules, by rule',
      labelNames: ['rule'] as const,
      registers,
      collect() {
        for (const c of collectors) c()
      },
    }),
    onCollect(fn: () => void) {
      collectors.push(fn)
    },
    alertTransitions: new Counter({
      name: 'schoolmeter_alert_transitions_total',
      help: 'Alert transitions by rule and transition (opened, acknowledged, resolved, escalated)',
      labelNames: ['rule', 'transition'] as const,
      registers,
    }),
    alertUpdatesMerged: new Counter({
      name: 'schoolmeter_alert_updates_merged_total',
      help: "Verdicts on an active alert, and minutes of a school's event time, that took the place of one still waiting to be written (the store was behind)",
      registers,
    }),
    liveStatusSyncs: new Counter({
      name: 'schoolmeter_live_status_syncs_total',
      help: "A sharded worker's rounds of sharing meters' live status through PostgreSQL, by result: ok, failed (retried next round), fenced (its lease had lapsed or had another owner: nothing written)",
      labelNames: ['result'] as const,
      registers,
    }),
    liveStatusRows: new Counter({
      name: 'schoolmeter_live_status_rows_total',
      help: "Meters' statuses and rate buckets a sharded worker shared (pushed) and other shards' statuses it read (pulled)",
      labelNames: ['direction'] as const,
      registers,
    }),
    notifications: new Counter({
      name: 'schoolmeter_notifications_total',
      help: 'Notifications by channel and result: sent (alone), digest (in a summary), skipped (no news), retry, failed',
      labelNames: ['channel', 'result'] as const,
      registers,
    }),
    outboxPending: new Gauge({
      name: 'schoolmeter_outbox_pending',
      help: 'Notifications waiting in the outbox',
      registers,
    }),
    influxUp: new Gauge({
      name: 'schoolmeter_influx_up',
      help: '1 when the last InfluxDB write succeeded',
      registers,
    }),
    spoolLines: new Gauge({
      name: 'schoolmeter_spool_lines',
      help: 'Lines waiting in the disk spool',
      registers,
    }),
    spoolBytes: new Gauge({ name: 'schoolmeter_spool_bytes', help: 'Bytes in the disk spool', registers }),
    writerQueuedLines: new Gauge({
      name: 'schoolmeter_writer_queued_lines',
      help: 'Lines buffered in memory waiting to be written',
      registers,
    }),
    mqttConnectsRefused: new Counter({
      name: 'schoolmeter_mqtt_connects_refused_total',
      help: 'MQTT CONNECTs refused by the embedded broker: bad_credentials, anonymous, connect_rate, busy, error',
      labelNames: ['reason'] as const,
      registers,
    }),
    mqttAclDenied: new Counter({
      name: 'schoolmeter_mqtt_acl_denied_total',
      help: "Gateway publishes (the client is disconnected) and subscriptions (refused) outside the gateway's school",
      labelNames: ['action'] as const,
      registers,
    }),
    mqttThrottledMessages: new Counter({
      name: 'schoolmeter_mqtt_throttled_messages_total',
      help: 'Publishes held to the next second by the per-client rate limit (delayed, not dropped)',
      registers,
    }),
    mqttDisconnects: new Counter({
      name: 'schoolmeter_mqtt_disconnects_total',
      help: 'Clients disconnected by the broker: packet_too_large, acl_publish, credential_invalidated',
      labelNames: ['reason'] as const,
      registers,
    }),
    writerBackpressure: new Gauge({
      name: 'schoolmeter_writer_backpressure',
      help: '1 while the InfluxDB writer holds publishers back (memory queue over its limit)',
      registers,
    }),
    ingestPaused: new Counter({
      name: 'schoolmeter_ingest_paused_seconds_total',
      help: 'Seconds the broker held publishers back because the writer or the journal was full',
      registers,
    }),
    journalBytes: new Gauge({
      name: 'schoolmeter_journal_bytes',
      help: 'Bytes in the ingest journal (replayed after a crash up to the last checkpoint)',
      registers,
    }),
    checkpoints: new Counter({
      name: 'schoolmeter_checkpoints_total',
      help: 'State checkpoints, by result',
      labelNames: ['result'] as const,
      registers,
    }),
    checkpointSeconds: new Histogram({
      name: 'schoolmeter_checkpoint_seconds',
      help: 'Time from a checkpoint being taken to its commit (waiting for InfluxDB or the spool included)',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30],
      registers,
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
