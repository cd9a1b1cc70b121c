/**
 * Run strategies end to end (API → schedule → workflow → source simulator → Postgres): which runs
 * are full and which incremental, as the run rows record them and as the source API saw them (a
 * full run reads without updated_after, an incremental one from the cursor), through triggers,
 * full refreshes and failed runs.
 */
import { describe, expect, it } from 'vitest';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, ok, runs, startScenario, waitForRuns } from './helpers/sync-scenario';

interface Step {
  fullRefresh?: boolean;
  /** The source answers 401 to every request of this run: it fails at once (and pauses the sync). */
  fail?: boolean;
}

interface Observed {
  /** The run row's strategy, with `!` when the run failed. */
  run: string;
  /** What the source saw: `full` (no updated_after), `incr` (every read from the expected cursor), or the filters it got. */
  read: string;
  records: number;
  expectedRecords: number;
}

const headers = { 'x-customer-id': 'customer-1', 'x-provider-name': 'acme-crm' };
const object = { object_type: 'standard', object: 'contacts' };
const seconds = (iso: string) => String(Date.parse(iso) / 1000);
const newest = (source: SourceApi) =>
  [...source.contacts.values()]
    .map((c) => c.updated_at)
    .sort()
    .at(-1)!;

/**
 * Connects (the auto-started run is the first step) and triggers one run per further step,
 * each after the previous one finished. Every run has one contact newer than all before, so
 * every successful run moves the cursor and an incremental run syncs exactly what is newer
 * than the last successful run's.
 */
async function runSteps(strategy: { strategy?: 'full then incremental' | 'full only'; fullSyncEveryNIncrementals?: number }, steps: Step[]): Promise<Observed[]> {
  const s = await startScenario();
  const source = await startSourceApi(makeContacts(5));
  try {
    // A day between scheduled runs: only the auto-start and the triggers run.
    const c = await configure(s, source, { ...strategy, periodMs: 86_400_000 });
    const observed: Observed[] = [];
    let cursor: string | null = null; // as the last successful run left it
    await s.worker.run(async () => {
      for (const [i, step] of steps.entries()) {
        source.upsert({ id: `new-${i}`, name: `New ${i}`, email: `new${i}@example.com`, updated_at: new Date(Date.parse('2026-02-01T00:00:00Z') + i * 60_000).toISOString() });
        source.intercept = step.fail ? () => ({ status: 401, json: { error: 'token revoked' } }) : undefined;
        const from = source.sim.requests.length;
        if (i === 0) await c.connect();
        else await ok(s.tenant.request('POST', '/syncs/_trigger', { headers, body: { ...object, ...(step.fullRefresh ? { perform_full_refresh: true } : {}) } }));
        const [latest] = await waitForRuns(s.tenant, c.customerId, i + 1);
        const row = await s.api.tdb.db.selectFrom('sync_runs').select(['strategy', 'status']).where('id', '=', latest!.id).executeTakeFirstOrThrow();
        expect(latest!.status).toBe(step.fail ? 'FAILURE' : 'SUCCESS');
        expect(row.status).toBe(latest!.status);

        const filters = [
          ...new Set(
            source.sim.requests
              .slice(from)
              .filter((r) => r.path === '/contacts')
              .map((r) => r.query.updated_after ?? null),
          ),
        ];
        const read =
          filters.length === 1 && filters[0] === null ? 'full' : filters.length === 1 && cursor && filters[0] === seconds(cursor) ? 'incr' : `filters ${JSON.stringify(filters)}`;
        const all = [...source.contacts.values()];
        const expectedRecords = step.fail ? 0 : row.strategy === 'full' ? all.length : all.filter((x) => x.updated_at > cursor!).length;
        observed.push({ run: `${row.strategy === 'full' ? 'full' : 'incr'}${step.fail ? '!' : ''}`, read, records: latest!.num_records_synced, expectedRecords });

        if (step.fail) {
          source.intercept = undefined;
          expect(await ok(s.tenant.request('POST', '/syncs/_resume', { headers, body: object }))).toMatchObject({ paused: false });
        } else cursor = newest(source);
      }
    });
    // Nothing else ran: no scheduled tick, no extra run.
    expect(await runs(s.tenant, c.customerId)).toHaveLength(steps.length);
    return observed;
  } finally {
    await source.close();
    await s.close();
  }
}

function expectSequence(observed: Observed[], expected: string[]) {
  expect(observed.map((o) => o.run)).toEqual(expected);
  expect(observed.map((o) => o.read)).toEqual(expected.map((e) => e.replace('!', '')));
  expect(observed.map((o) => o.records)).toEqual(observed.map((o) => o.expectedRecords));
}

describe('sync run strategies', () => {
  it('"full then incremental": full first, then incremental from the cursor; a full refresh makes exactly the next run full; a failed run changes nothing', {
    timeout: 180_000,
  }, async () => {
    const observed = await runSteps({ strategy: 'full then incremental' }, [
      {}, // auto-start: no cursor yet
      {},
      {},
      { fullRefresh: true },
      {},
      { fail: true },
      {}, // what the failed run would have been, from the same cursor
      { fullRefresh: true, fail: true },
      {}, // the full refresh is still pending
      {},
    ]);
    expectSequence(observed, ['full', 'incr', 'incr', 'full', 'incr', 'incr!', 'incr', 'full!', 'full', 'incr']);
  });

  it('"full only": every run is full, whatever the cursor, the trigger or a failed run', { timeout: 180_000 }, async () => {
    const observed = await runSteps({ strategy: 'full only' }, [{}, {}, { fullRefresh: true }, { fail: true }, {}]);
    expectSequence(observed, ['full', 'full', 'full', 'full!', 'full']);
  });

  it('full_sync_every_n_incrementals 2: a full run after every 2 incrementals; a full refresh restarts the count; failed runs do not count', { timeout: 300_000 }, async () => {
    const observed = await runSteps({ strategy: 'full then incremental', fullSyncEveryNIncrementals: 2 }, [
      {},
      {},
      {},
      {}, // full: 2 incrementals since the last full run
      {},
      { fullRefresh: true }, // after 1 incremental
      {},
      {}, // still incremental: the count restarted at the full refresh
      {},
      {},
      { fail: true },
      {}, // the failed incremental did not count
      { fail: true }, // the full run due by the count fails...
      {}, // ...and is still due
      {},
      { fullRefresh: true, fail: true },
      {}, // the full refresh survived the failed run
      {},
    ]);
    expectSequence(observed, ['full', 'incr', 'incr', 'full', 'incr', 'full', 'incr', 'incr', 'full', 'incr', 'incr!', 'incr', 'full!', 'full', 'incr', 'full!', 'full', 'incr']);
  });
});

describe('a full refresh requested while a run is in progress', () => {
  it('makes the run after it full, also when the run in progress is itself full', { timeout: 120_000 }, async () => {
    const s = await startScenario();
    const source = await startSourceApi(makeContacts(5));
    try {
      const c = await configure(s, source, { periodMs: 86_400_000 });
      const trigger = (fullRefresh: boolean) =>
        ok(s.tenant.request('POST', '/syncs/_trigger', { headers, body: { ...object, ...(fullRefresh ? { perform_full_refresh: true } : {}) } }));
      const strategies = async () => (await s.api.tdb.db.selectFrom('sync_runs').select('strategy').orderBy('start_timestamp').execute()).map((r) => r.strategy);
      /** Holds the source's answers while `during` runs, once the next run is reading. */
      const whileReading = async (start: () => Promise<unknown>, during: () => Promise<unknown>) => {
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        const from = source.sim.requests.length;
        source.intercept = () => held.then(() => undefined);
        await start();
        for (const deadline = Date.now() + 30_000; source.sim.requests.length === from; ) {
          if (Date.now() > deadline) throw new Error('the run never read the source');
          await new Promise((r) => setTimeout(r, 50));
        }
        await during();
        source.intercept = undefined;
        release();
      };
      await s.worker.run(async () => {
        await c.connect();
        await waitForRuns(s.tenant, c.customerId, 1);

        // During an incremental run.
        await whileReading(
          () => trigger(false),
          () => trigger(true),
        );
        await waitForRuns(s.tenant, c.customerId, 3);
        expect(await strategies()).toEqual(['full', 'incremental', 'full']);

        // During a full run (itself a full refresh): that run started before the request.
        await whileReading(
          () => trigger(true),
          () => trigger(true),
        );
        await waitForRuns(s.tenant, c.customerId, 5);
        await trigger(false);
        await waitForRuns(s.tenant, c.customerId, 6);
        expect(await strategies()).toEqual(['full', 'incremental', 'full', 'full', 'full', 'incremental']);
      });
      expect((await runs(s.tenant, c.customerId)).map((r) => r.status)).toEqual(Array(6).fill('SUCCESS'));
    } finally {
      await source.close();
      await s.close();
    }
  });
});
