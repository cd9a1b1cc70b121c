import type { WriterCache } from '../destinations/registry';
import type { ServiceDeps } from '../services/deps';
import type { ChunkSlotSettings } from '../services/syncs/tenant-slots';
import { createDestinationTestActivities } from './destination-test';
import { createDiscoverActivities } from './discover';
import { createReconcileActivities } from './reconcile';
import { createSyncActivities } from './sync';
import { createSystemActivities } from './system';
import { createWebhookActivities } from './webhooks';
import { createWriteJobActivities } from './write-jobs';
import { createSyncJobActivities } from './sync-jobs';
import { createConnectionJobActivities } from './connection-jobs';

export interface ActivityDeps extends ServiceDeps {
  /** One writer (pool) per destination per worker. */
  writers: WriterCache;
  /** Time budget of one syncChunk attempt (tests shorten it). */
  chunkBudgetMs?: number;
  /** Records per destination batch (SYNC_BATCH_RECORDS). */
  batchRecords?: number;
  /** Consecutive failed runs after which a sync pauses itself (SYNC_AUTO_PAUSE_AFTER_FAILURES). */
  autoPauseAfterFailures?: number;
  /** The tenants' caps on running sync chunks (SYNC_MAX_RUNNING_CHUNKS_PER_APPLICATION / _PER_CUSTOMER). */
  chunkSlots?: ChunkSlotSettings;
  /** Time budget of one writeJobChunk attempt (tests shorten it). */
  writeChunkBudgetMs?: number;
}

/** Every activity the worker registers, built from injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSystemActivities(deps),
    ...createSyncActivities(deps),
    ...createReconcileActivities(deps),
    ...createWebhookActivities(deps),
    ...createDestinationTestActivities(deps),
    ...createWriteJobActivities(deps),
    ...createSyncJobActivities(deps),
    ...createDiscoverActivities(deps),
    ...createConnectionJobActivities(deps),
  };
}
