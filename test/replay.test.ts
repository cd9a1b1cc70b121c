/**
 * Recorded histories of real workflow runs replay against today's workflow code: a change that
 * would break runs in flight (a reordered activity, a removed timer, continue-as-new moved)
 * fails here. Fixtures: test/replay/histories, recorded by `npm run test:record-histories`.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from './helpers/temporal';
import { historyFromFixture } from './replay/fixtures';

/** Recorded from today's code (`npm run test:record-histories`), and frozen ones from older code. */
const DIRS = ['histories', 'frozen'].map((d) => path.join(import.meta.dirname, 'replay', d));

async function fixtures() {
  const files = (await Promise.all(DIRS.map(async (dir) => (await readdir(dir)).filter((f) => f.endsWith('.json')).map((f) => path.join(dir, f))))).flat();
  return Promise.all(
    files.map(async (file) => {
      const { workflowId, history } = JSON.parse(await readFile(file, 'utf8'));
      return { file: path.basename(file), workflowId: workflowId as string, history: historyFromFixture(history) };
    }),
  );
}

const workflowType = (h: Awaited<ReturnType<typeof fixtures>>[number]) => h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;

describe('replay of recorded workflow histories', () => {
  it('covers every kind of run the issue names', async () => {
    const all = await fixtures();
    const byFile = Object.fromEntries(all.map((h) => [h.file, workflowType(h)]));
    expect(byFile).toMatchObject({
      'sync-run-continued.1.json': 'syncRunWorkflow',
      'sync-run-continued.3.json': 'syncRunWorkflow',
      'sync-run-paused-auth.json': 'syncRunWorkflow',
      'sync-run-retried-chunk.json': 'syncRunWorkflow',
      'sync-run-failed.json': 'syncRunWorkflow',
      'sync-run-throttled.json': 'syncRunWorkflow',
      'webhook-delivery-retries.json': 'webhookDeliveryWorkflow',
      'destination-test-succeeded.json': 'destinationTestWorkflow',
      'destination-test-lost.json': 'destinationTestWorkflow',
      'write-job-continued.1.json': 'writeJobWorkflow',
      'write-job-continued.2.json': 'writeJobWorkflow',
      'write-job-retried-chunk.json': 'writeJobWorkflow',
      'write-job-failed.json': 'writeJobWorkflow',
      'discover-succeeded.json': 'discoverWorkflow',
      'discover-lost.json': 'discoverWorkflow',
      'sync-job-polled.json': 'syncJobWorkflow',
      'sync-job-retried-step.json': 'syncJobWorkflow',
      'sync-job-continued.1.json': 'syncJobWorkflow',
      'sync-job-continued.2.json': 'syncJobWorkflow',
      'connection-verify-succeeded.json': 'connectionVerifyWorkflow',
      'connection-verify-lost.json': 'connectionVerifyWorkflow',
      'connection-delete-waited.json': 'connectionDeleteWorkflow',
      'connection-delete-lost.json': 'connectionDeleteWorkflow',
      // Old code that finished a continued run as FAILURE: replays through the patch.
      'sync-run-continue-as-new-before-fix.json': 'syncRunWorkflow',
      // Runs from before the tenant chunk slots: replay through the patch's old branch.
      'sync-run-before-tenant-slots-continued.1.json': 'syncRunWorkflow',
      'sync-run-before-tenant-slots-paused-auth.json': 'syncRunWorkflow',
    });
    // The continued run really did continue as new.
    const first = all.find((h) => h.file === 'sync-run-continued.1.json')!;
    expect(first.history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
  });

  it('replays every fixture without a nondeterminism error', async () => {
    const all = await fixtures();
    const results = [];
    for await (const r of Worker.runReplayHistories(
      { workflowBundle: await workflowBundle() },
      all.map(({ workflowId, history }) => ({ workflowId, history })),
    )) {
      results.push({ workflowId: r.workflowId, error: r.error ? String(r.error) : undefined });
    }
    expect(results).toHaveLength(all.length);
    expect(results.filter((r) => r.error)).toEqual([]);
  });
});
