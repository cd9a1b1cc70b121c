/**
 * The destination connection test job, run on a worker: loads the destination with its
 * secrets, calls its writer's `test()` on a fresh writer (closed afterwards) and records
 * running → succeeded | failed with a readable, redacted error.
 */
import * as repo from '../db/repositories/jobs';
import { NotFoundError } from '../lib/errors';
import { createWriterCache } from '../destinations/registry';
import type { ServiceDeps } from '../services/deps';
import { loadDestinationWithSecrets, type DestinationWithSecrets } from '../services/destinations/destinations';
import { readableJobError, secretStrings, type DestinationTestInput } from '../services/jobs/jobs';

export const DEFAULT_DESTINATION_TEST_TIMEOUT_MS = 60_000;
/** The workflow's activity timeout (2 minutes) must leave room for the bookkeeping. */
const MAX_DESTINATION_TEST_TIMEOUT_MS = 90_000;

export type DestinationTestOutcome = { status: 'succeeded' | 'failed' | 'queued' | 'running' | 'gone' };

class TestTimeout extends Error {}

export function createDestinationTestActivities(deps: ServiceDeps) {
  return {
    async runDestinationTest(input: DestinationTestInput): Promise<DestinationTestOutcome> {
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
    },

    /** The test activity failed for good (worker lost, database down): the job must not stay running. */
    async failDestinationTestJob(input: { jobId: string; error: string }): Promise<void> {
      await repo.finishJob(deps.db, input.jobId, { status: 'failed', error: input.error });
    },
  };
}

export type DestinationTestActivities = ReturnType<typeof createDestinationTestActivities>;
