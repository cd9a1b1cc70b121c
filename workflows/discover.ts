/**
 * An asynchronous discovery (Syncwell extension), workflow id `discover:<connection id>`: one
 * activity discovers and stores the catalog or the failure; if no attempt could (worker lost every
 * time, database down), the failure is recorded rather than the discovery left running.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { DiscoverActivities, DiscoverJobInput } from '../activities/discover';

const discovery = proxyActivities<DiscoverActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '30 seconds',
  // Must match DISCOVER_ATTEMPTS: the last attempt records a transient failure instead of throwing.
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 3 },
});

const bookkeeping = proxyActivities<DiscoverActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 30 },
});

export async function discoverWorkflow(input: DiscoverJobInput): Promise<'succeeded' | 'failed'> {
  try {
    return await discovery.runDiscovery(input);
  } catch (err) {
    let cause: unknown = err;
    while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
    const detail = cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
    await bookkeeping.failDiscovery({ ...input, error: `the discovery did not complete (${detail}); start it again` });
    return 'failed';
  }
}
