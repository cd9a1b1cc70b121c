/** The per-run manifest and the `latest.json` pointer of the S3 destination. */
import type { FinishRun, WriteTarget } from '../types';

export interface ManifestPart {
  key: string;
  seq: number;
  records: number;
  bytes: number;
}

export interface RunManifest {
  version: 1;
  format: 'ndjson.gz';
  run_id: string;
  application_id: string;
  provider_name: string;
  customer_id: string;
  object: string;
  object_type: WriteTarget['objectType'];
  strategy: FinishRun['strategy'];
  success: boolean;
  cursor: string | null;
  run_started_at: string;
  finished_at: string;
  /** What the sync engine counted. */
  num_records_synced: number;
  /** Sum of the records in the parts listed below. */
  num_records_written: number;
  parts: ManifestPart[];
}

export interface LatestPointer {
  run_id: string;
  run_prefix: string;
  manifest_key: string;
  strategy: 'full';
  num_records: number;
  finished_at: string;
}

export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return out;
}

export function buildManifest(target: WriteTarget, run: FinishRun, parts: ManifestPart[], finishedAt: string): RunManifest {
  return {
    version: 1,
    format: 'ndjson.gz',
    run_id: run.runId,
    application_id: target.applicationId,
    provider_name: target.providerName,
    customer_id: target.customerId,
    object: target.object,
    object_type: target.objectType,
    strategy: run.strategy,
    success: run.success,
    cursor: run.cursor,
    run_started_at: run.runStartedAt.toISOString(),
    finished_at: finishedAt,
    num_records_synced: run.numRecordsSynced,
    num_records_written: parts.reduce((n, p) => n + p.records, 0),
    parts,
  };
}
