/** The destination connection test job's activities: adapters over services/jobs/destination-test. */
import type { ServiceDeps } from '../services/deps';
import { failDestinationTestJob, runDestinationTestJob, type DestinationTestInput, type DestinationTestOutcome } from '../services/jobs/destination-test';

export type { DestinationTestInput, DestinationTestOutcome };

export function createDestinationTestActivities(deps: ServiceDeps) {
  return {
    runDestinationTest: (input: DestinationTestInput): Promise<DestinationTestOutcome> => runDestinationTestJob(deps, input),
    failDestinationTestJob: (input: { jobId: string; error: string }): Promise<void> => failDestinationTestJob(deps, input),
  };
}

export type DestinationTestActivities = ReturnType<typeof createDestinationTestActivities>;
