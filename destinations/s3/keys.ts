/** Object key layout of the S3 destination. Keys are deterministic: a retried batch overwrites. */
import { streamName } from '../layout';
import type { WriteTarget } from '../types';

function join(...parts: string[]): string {
  return parts.filter((p) => p.length > 0).join('/');
}

/** `<prefix>/<app>/<provider>/<object>/<customer>` (`entity_<name>` in place of the object for an entity). */
export function objectPrefix(prefix: string, target: WriteTarget): string {
  return join(prefix, target.applicationId, target.providerName, streamName(target), target.customerId);
}

export function runPrefix(prefix: string, target: WriteTarget, runId: string): string {
  return join(objectPrefix(prefix, target), `run=${runId}`);
}

export function partKey(prefix: string, target: WriteTarget, runId: string, seq: number): string {
  if (!Number.isInteger(seq) || seq < 0) throw new Error(`batch seq must be a non-negative integer, got ${seq}`);
  return join(runPrefix(prefix, target, runId), `part-${String(seq).padStart(6, '0')}.ndjson.gz`);
}

export function manifestKey(prefix: string, target: WriteTarget, runId: string): string {
  return join(runPrefix(prefix, target, runId), '_manifest.json');
}

export function latestKey(prefix: string, target: WriteTarget): string {
  return join(objectPrefix(prefix, target), 'latest.json');
}

const PART_RE = /\/part-(\d+)\.ndjson\.gz$/;

/** The seq of a part key, or null when the key is not a part. */
export function partSeq(key: string): number | null {
  const m = PART_RE.exec(key);
  return m?.[1] ? Number(m[1]) : null;
}
