/** Workers sharded by school (`SHARD=k/n`) and the PostgreSQL lease that decides who runs a shard. */
export {
  hashedShard,
  ownsTopic,
  parseShard,
  type ShardSpec,
  shardClientId,
  shardName,
  shardOf,
  shardRegistry,
  shardTopicFilters,
} from './assign.js'
export { type ClaimedShard, type ClaimOptions, claimShard, leaseOwner } from './claim.js'
export { ShardLease, type ShardLeaseOptions } from './lease.js'
export { type SharedLiveOptions, SharedLiveStatus } from './live.js'
