/**
 * The destination Postgres unreachable for 30 s mid-run (its port refuses connections and the open
 * ones are cut, as when its host goes away): chunk attempts fail while it is down, Temporal retries
 * them, and the run resumes from its last committed batch and ends with exactly the source's records.
 */
import type { Scenario } from './scenario';
import { compare, exact, finishedRun, runsOf, setUpSync, waitUntil } from './sync-under-test';
import { runningWorkflowId } from './worker-kill';

const OUTAGE_MS = 30_000;

export const destinationOutage: Scenario = {
  name: 'destination-outage',
  fast: true,
  async run(stack) {
    const s = await setUpSync(stack, 'faults-destination-outage', { records: 3000 });
    try {
      s.source.intercept = () => new Promise((r) => setTimeout(() => r(undefined), 50));
      const syncId = await s.connect();
      const workflowId = await runningWorkflowId(stack, syncId);
      await waitUntil('two committed batches', 120_000, async () => ((await runsOf(stack, syncId))[0]?.progress.seq ?? 0) >= 2);
      const committedBefore = (await runsOf(stack, syncId))[0]!.num_records_synced;
      await stack.destProxy.down();
      let attempts = 1;
      let lastFailure = '';
      try {
        const until = Date.now() + OUTAGE_MS;
        while (Date.now() < until) {
          const pending = (await stack.temporal.workflow.getHandle(workflowId).describe()).raw.pendingActivities?.[0];
          if (pending && (pending.attempt ?? 1) >= attempts) {
            attempts = pending.attempt ?? 1;
            lastFailure = pending.lastFailure?.message ?? lastFailure;
          }
          await new Promise((r) => setTimeout(r, 500));
        }
      } finally {
        await stack.destProxy.up();
      }
      const run = await finishedRun(stack, syncId, 240_000);
      const proof = exact(await compare(stack, s), run);
      const ok = proof.ok && attempts > 1;
      return {
        ok,
        line:
          `destination down ${OUTAGE_MS / 1000} s mid-run (after ${committedBefore} records): ${proof.text}; ` +
          (attempts > 1 ? `chunk attempt ${attempts} pending at the end of the outage, after "${lastFailure.slice(0, 80)}"` : 'NO failed chunk attempt seen during the outage'),
      };
    } finally {
      await s.close();
    }
  },
};
