/**
 * Ingest's public entry: its parts (`Archive`, `IngestService`, `BrokerService`), the brokers,
 * decoding, registers, the InfluxDB writer and line protocol, the journal and the live views.
 */
export { EmbeddedBroker } from './broker/embedded.js'
export { ExternalBroker } from './broker/external.js'
export {
  gatewayPermissions,
  isWorkerUsername,
  type NatsUsers,
  natsUsers,
  WORKER_PERMISSIONS,
} from './broker/nats-users.js'
export { clientIdsOverlap } from './broker/security.js'
export { type BrokerConnection, BrokerService, type BrokerServiceOptions } from './broker/service.js'
export type { Admission, Broker, MessageHandler } from './broker/types.js'
export { DEFAULT_LIMITS, type DecodeLimits, decodeMessage, parseTimestamp } from './decode.js'
export { Archive, type ArchiveOptions } from './influx/archive.js'
export { influxTransportFromEnv } from './influx/config.js'
export {
  alertLine,
  meterSeriesKey,
  monthlyReportLine,
  readingLine,
  seriesKey,
  usageHourLines,
} from './influx/lineProtocol.js'
export { Spool } from './influx/spool.js'
export {
  type LineTransport,
  routeClientLogs,
  V1Transport,
  V2Transport,
  WriteError,
} from './influx/transport.js'
export {
  DEFAULT_WRITER_OPTIONS,
  InfluxWriter,
  type WriterOptions,
  type WriterStatus,
} from './influx/writer.js'
export { Journal, type JournalRecord, readSegment } from './journal.js'
export { checkReadingPayload, ReadingPayload } from './payload.js'
export { type HandleResult, Ingest, lastReceivedFromStore, type MeterStatus } from './pipeline.js'
export {
  BUCKET_MS,
  RATES,
  type RatePoint,
  type RateSource,
  type RateUnit,
  type RateWindow,
  RECENT_HOURS,
  RecentReadings,
  rateOf,
} from './recent.js'
export {
  applyReading,
  newRegisterState,
  type RegisterParams,
  type RegisterState,
  registerParams,
} from './registers.js'
export { type RejectionCount, type RejectionSource, RejectionTally } from './rejections.js'
export {
  type IngestRestored,
  IngestService,
  type IngestServiceOptions,
  type JournalProgress,
} from './service.js'
export {
  type ClaimedShard,
  claimShard,
  hashedShard,
  parseShard,
  ShardLease,
  SharedLiveStatus,
  shardOf,
  shardRegistry,
} from './shard/index.js'
export { matchTopic } from './topics.js'
