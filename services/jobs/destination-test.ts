/**
 * The destination connection test job, run on a worker: loads the destination with its
 * secrets, calls its writer's `test()` on a fresh writer (closed afterwards) and records
 * running → succeeded | failed with a readable, redacted error.
 */
import type { DestinationType } from '../destinations/configs';
import * as repo from '../../db/repositories/jobs';
import { createWriterCache } from '../../destinations/registry';
import { failureMessage, NotFoundError } from '../../lib/errors';
import type { ServiceDeps } from '../deps';
import { loadDestinationWithSecrets, splitSecrets, type DestinationWithSecrets } from '../destinations/destinations';

export interface DestinationTestInput {
  jobId: string;
  /** How long the writer's test() may take before the job fails (default 60 s). */
  timeoutMs?: number;
}

export type DestinationTestOutcome = { status: 'succeeded' | 'failed' | 'queued' | 'running' | 'gone' };

const DEFAULT_DESTINATION_TEST_TIMEOUT_MS = 60_000;
/** The workflow's activity timeout (2 minutes) must leave room for the bookkeeping. */
const MAX_DESTINATION_TEST_TIMEOUT_MS = 90_000;

class TestTimeout extends Error {}

export async function runDestinationTestJob(deps: ServiceDeps, input: DestinationTestInput): Promise<DestinationTestOutcome> {
  const job = await repo.markJobRunning(deps.db, input.jobId);
  if (!job) {
    // Finished already (a retried attempt after the outcome was written) or deleted.
    const existing = await repo.findJobById(deps.db, input.jobId);
    return { status: existing?.status ?? 'gone' };
  }
  const gone = async () => {
    await repo.finishJob(deps.db, job.id, { status: 'failed', error: 'the destination no longer exists' });
    return { status: 'failed' } as const;
  };
  if (!job.destination_id) return gone();

  let destination: DestinationWithSecrets;
  try {
    destination = await loadDestinationWithSecrets(deps, job.application_id, job.destination_id);
  } catch (err) {
    if (err instanceof NotFoundError) return gone();
    throw err; // database trouble: the activity is retried
  }

  const secrets = secretStrings(destination.type, destination.config);
  const timeoutMs = Math.min(Math.max(input.timeoutMs ?? DEFAULT_DESTINATION_TEST_TIMEOUT_MS, 1), MAX_DESTINATION_TEST_TIMEOUT_MS);
  // A writer of its own: the test opens fresh connections and leaves no pool behind.
  const writers = createWriterCache({ outboundPolicy: deps.outboundPolicy });
  let timer: NodeJS.Timeout | undefined;
  try {
    const writer = writers.get(destination);
    await Promise.race([
      writer.test(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TestTimeout(`the connection test did not finish within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      }),
    ]);
    await repo.finishJob(deps.db, job.id, { status: 'succeeded', error: null, tested_version: destination.version });
    return { status: 'succeeded' };
  } catch (err) {
    const error = readableJobError(err, secrets);
    deps.logger.info({ jobId: job.id, destinationId: destination.id, error }, 'destination connection test failed');
    await repo.finishJob(deps.db, job.id, { status: 'failed', error, tested_version: destination.version });
    return { status: 'failed' };
  } finally {
    clearTimeout(timer);
    // A hung test() must not hold the activity: close in the background.
    void writers.closeAll().catch(() => undefined);
  }
}

/** The test failed for good (worker lost every attempt, database down): the job must not stay running. */
export async function failDestinationTestJob(deps: ServiceDeps, input: { jobId: string; error: string }): Promise<void> {
  await repo.finishJob(deps.db, input.jobId, { status: 'failed', error: input.error });
}

const MAX_ERROR_LENGTH = 2000;

/** Every secret string of a full config (length ≥ 4), longest first, for redaction. */
function secretStrings(type: DestinationType, config: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') {
      if (v.length >= 4) out.push(v);
      // PEM keys: redact each line too, in case one line ends up in a message.
      for (const line of v.split(/\r?\n/)) if (line.length >= 16 && !line.startsWith('-----')) out.push(line);
    } else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(splitSecrets(type, config).secrets);
  // api: custom headers and basic auth often carry keys too.
  if (type === 'api') {
    const headers = config.headers;
    if (headers && typeof headers === 'object') for (const v of Object.values(headers)) if (typeof v === 'string' && v.length >= 4) out.push(v);
    const auth = config.auth as { type?: string; username?: string; password?: string } | undefined;
    if (auth?.type === 'basic' && auth.username !== undefined && auth.password !== undefined) {
      out.push(Buffer.from(`${auth.username}:${auth.password}`).toString('base64'));
    }
  }
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

/** A readable, bounded error message with every secret value removed. */
function readableJobError(err: unknown, secrets: string[]): string {
  let message = failureMessage(err);
  for (const s of secrets) message = message.split(s).join('[redacted]');
  message = message.trim() || 'the connection test failed';
  return message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH - 1)}…` : message;
}
