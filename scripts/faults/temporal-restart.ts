/**
 * The Temporal server stopped mid-run and started again on its SQLite file: the workers and the API
 * reconnect, the run's history is where it was, and the run ends with exactly the source's records.
 */
import type { Scenario } from './scenario';
import { compare, exact, finishedRun, runsOf, setUpSync, waitUntil } from './sync-under-test';

const DOWN_MS = 10_000;

export const temporalRestart: Scenario = {
  name: 'temporal-restart',
  fast: true,
  async run(stack) {
    const s = await setUpSync(stack, 'faults-temporal-restart', { records: 5000 });
    try {
      s.source.intercept = () => new Promise((r) => setTimeout(() => r(undefined), 100));
      const syncId = await s.connect();
      await waitUntil('two committed batches', 120_000, async () => ((await runsOf(stack, syncId))[0]?.progress.seq ?? 0) >= 2);
      const committedBefore = (await runsOf(stack, syncId))[0]!.num_records_synced;
      await stack.restartTemporal(DOWN_MS);
      const committedWhileDown = (await runsOf(stack, syncId))[0]!.num_records_synced - committedBefore;
      const run = await finishedRun(stack, syncId, 240_000);
      const proof = exact(await compare(stack, s), run);
      const workersAlive = stack.workers.filter((w) => !w.exited()).length;
      const apiAlive = !stack.api.exited();
      const served = (await stack.request('GET', `/syncs?customer_id=${s.name}`)).status === 200;
      return {
        ok: proof.ok && workersAlive === 2 && apiAlive && served,
        line: `Temporal server down ${DOWN_MS / 1000} s and restarted mid-run (after ${committedBefore} records; ${committedWhileDown} more committed while it was down): ${proof.text}; workers alive ${workersAlive}/2, API ${apiAlive && served ? 'serving' : 'NOT serving'}`,
      };
    } finally {
      await s.close();
    }
  },
};
