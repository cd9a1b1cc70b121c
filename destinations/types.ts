/**
 * One writer interface for every destination kind (Postgres, S3, BigQuery, HTTP API),
 * so the sync engine knows nothing of their kind.
 */
import type { ObjectType } from '../lib/records';

export interface DestinationRecord {
  id: string;
  lastModifiedAt: Date | null;
  isDeleted: boolean;
  emittedAt: Date;
  raw: Record<string, unknown>;
  /** `raw` as JSON text that stores as the same jsonb, when the provider kept it (see SourceRecord.rawJson). */
  rawJson?: string;
  /** Field-mapped data (`_supaglue_mapped_data`); {} when there is no schema mapping. */
  mapped: Record<string, unknown>;
  /** For common objects: the unified record (`_supaglue_unified_data`). */
  unified?: Record<string, unknown>;
}

/**
 * What a target holds: a provider object, or an entity. An entity target is named after the
 * entity (`object` is its name), not after the provider object its mapping reads, so remapping
 * the entity to another object keeps writing to the same place.
 */
export type TargetKind = ObjectType | 'entity';

/** Where one sync's records land. */
export interface WriteTarget {
  applicationId: string;
  customerId: string;
  providerName: string;
  object: string;
  objectType: TargetKind;
  /** Overrides from the connection sync config (schema, per-object table). */
  schema?: string;
  table?: string;
}

export interface WriteBatch {
  runId: string;
  /** Batch sequence within the run; (runId, seq) makes a retried batch overwrite, never duplicate. */
  seq: number;
  records: DestinationRecord[];
}

export interface FinishRun {
  runId: string;
  strategy: 'full' | 'incremental';
  success: boolean;
  runStartedAt: Date;
  numRecordsSynced: number;
  cursor: string | null;
  /**
   * The target held no live record emitted before `runStartedAt` when the run began writing
   * (`DestinationWriter.holdsRecordsBefore`): a successful full run then has nothing to soft-delete.
   */
  startedEmpty?: boolean;
}

export interface DestinationWriter {
  /**
   * The writer stores a record's `rawJson` when it has one and reads `raw` only when it has not: the
   * engine may then hold a batch's records as their texts (see services/syncs/records.ts).
   */
  readonly storesRawJson?: boolean;
  /** Creates whatever must exist before writes (table, dataset, prefix). Idempotent. */
  prepare(target: WriteTarget): Promise<void>;
  writeBatch(target: WriteTarget, batch: WriteBatch): Promise<void>;
  /**
   * Whether the target holds a live (not soft-deleted) record emitted before `at`. Asked by a full
   * run before its first batch, so that its finish can skip the soft-delete pass when nothing older
   * than the run was there (`FinishRun.startedEmpty`). Writers without it always soft-delete.
   */
  holdsRecordsBefore?(target: WriteTarget, at: Date): Promise<boolean>;
  /** After a successful full sync, soft-deletes what the run did not see; writes manifests. */
  finishRun(target: WriteTarget, run: FinishRun): Promise<void>;
  /** Connection test: connect, create and drop a probe. Throws a readable error. */
  test(): Promise<void>;
  close(): Promise<void>;
}
