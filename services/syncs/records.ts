/**
 * What a sync run does to records, free of I/O: field mapping, the destination record, and the
 * cursor bookkeeping a committed batch adds to the run's progress.
 */
import { createHash } from 'node:crypto';
import type { DestinationRecord } from '../../destinations/types';
import type { JsonValue, SourceRecord } from '../../providers/types';
import type { BackfillProgress } from './backfill';

/** A run's resume point, committed to its row after each destination batch. */
export interface RunProgress {
  pageState: JsonValue | null;
  /** Sequence of the last committed batch. */
  seq: number;
  done: boolean;
  /** Greatest last-modified seen in committed batches (ISO). */
  maxLastModified: string | null;
  /** Records at exactly maxLastModified (id → content hash); null when too many to keep. */
  maxRecords: Record<string, string> | null;
  /** The sync's pending full refresh request when the run started: the one a full run satisfies. */
  fullRefreshRequestAtStart?: string | null;
  /** A sync job's backfill: the sub-window the run is in. Such a run never moves the sync's cursor. */
  backfill?: BackfillProgress;
  /** A full run whose target held no live record older than the run before its first batch (FinishRun.startedEmpty). */
  startedEmpty?: boolean;
}

/** Boundary records kept per run; beyond this the next run just re-reads the boundary. */
const MAX_BOUNDARY_RECORDS = 1000;

export const contentHash = (raw: Record<string, unknown>) => createHash('sha1').update(JSON.stringify(raw)).digest('base64url');

/**
 * Folds a committed batch into the run's cursor bookkeeping. Only records at the batch's greatest
 * last-modified are hashed: hashing every record of an ascending stream costs a JSON.stringify each.
 */
export function advanceBoundary(progress: Pick<RunProgress, 'maxLastModified' | 'maxRecords'>, batch: DestinationRecord[]): Pick<RunProgress, 'maxLastModified' | 'maxRecords'> {
  let top = -Infinity;
  for (const r of batch) {
    const t = r.lastModifiedAt?.getTime();
    if (t !== undefined && t > top) top = t; // NaN (an invalid date) never wins
  }
  if (top === -Infinity) return { maxLastModified: progress.maxLastModified, maxRecords: progress.maxRecords };
  const at = new Date(top).toISOString();
  if (progress.maxLastModified && at < progress.maxLastModified) return { maxLastModified: progress.maxLastModified, maxRecords: progress.maxRecords };
  let maxRecords: Record<string, string> | null = at === progress.maxLastModified ? progress.maxRecords && { ...progress.maxRecords } : {};
  let kept = maxRecords ? Object.keys(maxRecords).length : 0;
  for (const r of batch) {
    if (!maxRecords || r.lastModifiedAt?.getTime() !== top) continue;
    if (r.id in maxRecords) maxRecords[r.id] = contentHash(r.raw);
    else if (kept++ < MAX_BOUNDARY_RECORDS) maxRecords[r.id] = contentHash(r.raw);
    else maxRecords = null;
  }
  return { maxLastModified: at, maxRecords };
}

/** schema field → provider field, applied to every record (`_supaglue_mapped_data`). */
export type FieldMapping = Record<string, string>;

export function applyFieldMapping(raw: Record<string, unknown>, mapping: FieldMapping | null): Record<string, unknown> {
  if (!mapping) return {};
  const out: Record<string, unknown> = {};
  for (const [schemaField, providerField] of Object.entries(mapping)) out[schemaField] = raw[providerField] ?? null;
  return out;
}

/** Mapped provider fields that no record of a page has: the provider no longer has them. */
export function missingMappedFields(records: SourceRecord[], mapping: FieldMapping | null): string[] {
  if (!mapping || records.length === 0) return [];
  return Object.values(mapping).filter((field) => records.every((r) => !(field in r.raw)));
}

/**
 * A source record on its way to the destination. `rawJson` stays the source's to compute: a
 * declarative connector finds it in the page only when a destination asks (only Postgres does).
 *
 * For a destination that stores `rawJson` (`asText`), the record keeps its text instead of its
 * parsed object, and parses the text again only if `raw` is asked for (the incremental cursor's
 * boundary records). A batch is held across the next batch's reads and its own write: as texts,
 * what survives young-generation collections into the old space is a slice of the page per record,
 * not a tree of objects per record, so the worker collects less, less often.
 */
class SyncedRecord implements DestinationRecord {
  id: string;
  lastModifiedAt: Date | null;
  isDeleted: boolean;
  emittedAt: Date;
  mapped: Record<string, unknown>;
  declare unified?: Record<string, unknown>;
  #raw: Record<string, unknown> | undefined;
  #text: string | undefined;
  readonly #source: SourceRecord | undefined;
  constructor(r: SourceRecord, emittedAt: Date, mapping: FieldMapping | null, asText: boolean) {
    this.id = r.id;
    this.lastModifiedAt = r.lastModifiedAt;
    this.isDeleted = r.isDeleted;
    this.emittedAt = emittedAt;
    // A scanned record's object is parsed only when read: without a mapping nothing here reads it.
    this.mapped = mapping ? applyFieldMapping(r.raw, mapping) : {};
    if (r.unified) this.unified = r.unified;
    const text = asText ? r.rawJson : undefined;
    if (text !== undefined) this.#text = text;
    else this.#source = r;
  }

  get raw(): Record<string, unknown> {
    this.#raw ??= this.#text === undefined ? this.#source!.raw : (JSON.parse(this.#text) as Record<string, unknown>);
    return this.#raw;
  }

  get rawJson(): string | undefined {
    return this.#text ?? this.#source?.rawJson;
  }
}

/** `asText`: the destination stores `rawJson` (DestinationWriter.storesRawJson). */
export function toDestinationRecord(r: SourceRecord, emittedAt: Date, mapping: FieldMapping | null, asText = false): DestinationRecord {
  return new SyncedRecord(r, emittedAt, mapping, asText);
}
