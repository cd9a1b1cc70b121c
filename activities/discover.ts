/** The asynchronous discovery's activities: adapters over services/connections/discover-jobs. */
import { Context } from '@temporalio/activity';
import type { ServiceDeps } from '../services/deps';
import { failDiscoverJob, runDiscoverJob, type DiscoverJobInput } from '../services/connections/discover-jobs';
import { keepHeartbeating } from './heartbeat';

export type { DiscoverJobInput };

/** The workflow's retry policy's attempts; the last one records a transient failure instead of throwing. */
export const DISCOVER_ATTEMPTS = 3;

export function createDiscoverActivities(deps: ServiceDeps) {
  return {
    async runDiscovery(input: DiscoverJobInput): Promise<'succeeded' | 'failed'> {
      const activity = Context.current();
      // Sampling objects one by one can take minutes: heartbeats tell a slow discovery from a dead worker.
      const stop = keepHeartbeating(activity);
      try {
        return await runDiscoverJob(deps, input, { retriesLeft: activity.info.attempt < DISCOVER_ATTEMPTS, signal: activity.cancellationSignal });
      } finally {
        stop();
      }
    },
    failDiscovery: (input: DiscoverJobInput & { error: string }): Promise<void> => failDiscoverJob(deps, input),
  };
}

export type DiscoverActivities = ReturnType<typeof createDiscoverActivities>;
