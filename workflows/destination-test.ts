/**
 * A destination connection test job (Syncwell extension): one activity does the test and
 * records its outcome; if it cannot (worker lost every attempt, database down), the job is
 * marked failed rather than left running.
 */
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { DestinationTestActivities, DestinationTestInput, DestinationTestOutcome } from '../activities/destination-test';

const test = proxyActivities<DestinationTestActivities>({
  // The writer's test() has at most 90 s; the rest is for the database.
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 3 },
});

const bookkeeping = proxyActivities<DestinationTestActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 30 },
});

export async function destinationTestWorkflow(input: DestinationTestInput): Promise<DestinationTestOutcome> {
  try {
    return await test.runDestinationTest(input);
  } catch (err) {
    const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
    const detail = cause instanceof Error ? cause.message : String(cause);
    await bookkeeping.failDestinationTestJob({ jobId: input.jobId, error: `the connection test did not complete (${detail}); try again` });
    return { status: 'failed' };
  }
}
