/**
 * The tenant chunk slots against the real database and Temporal: the caps per customer and per
 * application, the order in which freed slots go to waiters (the customer running fewest chunks,
 * then the longest waiter) and the wake-up signal to the one a release lets in, a retried chunk
 * taking its own slot over, a place in line kept after the waiter's row lapsed, and the slot of a
 * holder that stopped renewing (its worker died) reclaimed once its lease expired.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as repo from '../db/repositories/tenant-chunk-slots';
import { takeChunkSlot, type ChunkSlotSettings, type HeldChunkSlot } from '../services/syncs/tenant-slots';
import { TENANT_SLOT_FREE_SIGNAL } from '../workflows/tenant-slots';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, startScenario } from './helpers/sync-scenario';
import { uniqueTaskQueue } from './helpers/temporal';

let s: Awaited<ReturnType<typeof startScenario>>;
let source: SourceApi;
let syncId: string;
const waiting: WorkflowHandle[] = [];

beforeAll(async () => {
  s = await startScenario();
  source = await startSourceApi(makeContacts(1));
  const c = await configure(s, source, { autoStart: false });
  await c.connect();
  syncId = (await s.api.tdb.db.selectFrom('syncs').select('id').executeTakeFirstOrThrow()).id;
});
afterAll(async () => {
  for (const h of waiting) await h.terminate().catch(() => undefined);
  await source?.close();
  await s?.close();
});

const db = () => s.api.tdb.db;
const deps = () => s.api.deps;

/**
 * A run of a customer, with a workflow to wake: a sync run workflow on a task queue no worker
 * polls, so it stays open and records the signals it is sent.
 */
async function openRun(applicationId: string, customerId: string) {
  const run = await db()
    .insertInto('sync_runs')
    .values({
      application_id: applicationId,
      sync_id: syncId,
      connection_id: randomUUID(),
      customer_id: customerId,
      provider_name: 'acme-crm',
      category: 'no_category',
      object_type: 'standard',
      object: 'contacts',
      entity_id: null,
      status: 'IN_PROGRESS',
      strategy: 'full',
      start_timestamp: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const workflowId = `slot-waiter-${run.id}`;
  waiting.push(await s.worker.client.workflow.start('syncRunWorkflow', { taskQueue: uniqueTaskQueue('nobody'), workflowId, args: [{ syncId, runId: run.id }] }));
  return { runId: run.id, workflowId };
}

type Run = Awaited<ReturnType<typeof openRun>>;

/** Each test's own application: the caps count per application. */
const newApplication = async () => (await s.api.newTenant('slots')).applicationId;

const ask = (settings: ChunkSlotSettings, run: Run, waitingSince?: string) =>
  takeChunkSlot(deps(), settings, { ...run, heartbeatTimeoutMs: 10_000, ...(waitingSince ? { waitingSince } : {}) });

async function held(run: Run, settings: ChunkSlotSettings): Promise<HeldChunkSlot> {
  const answer = await ask(settings, run);
  if (!answer.granted) throw new Error(`expected a slot for ${run.runId}, refused: ${JSON.stringify(answer.refusal)}`);
  return answer.slot;
}

async function signalsTo(run: Run): Promise<number> {
  const history = await s.worker.client.workflow.getHandle(run.workflowId).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === TENANT_SLOT_FREE_SIGNAL).length;
}

/** Slots held now, per customer, as stored. */
async function heldByCustomer(applicationId: string): Promise<Record<string, number>> {
  const rows = await db()
    .selectFrom('tenant_chunk_slots')
    .select(['customer_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('application_id', '=', applicationId)
    .where('lease_id', 'is not', null)
    .where('expires_at', '>', sql<Date>`clock_timestamp()`)
    .groupBy('customer_id')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.customer_id, Number(r.n)]));
}

describe('tenant chunk slots', () => {
  it('caps each customer and the application, and gives a freed slot to the customer running fewest, then to the longest waiter', async () => {
    const app = await newApplication();
    const caps = { perApplication: 3, perCustomer: 2 };
    const [A, B, C] = [randomUUID(), randomUUID(), randomUUID()];
    const [a1, a2, a3, a4] = [await openRun(app, A), await openRun(app, A), await openRun(app, A), await openRun(app, A)];
    const [b1, b2, c1] = [await openRun(app, B), await openRun(app, B), await openRun(app, C)];

    const slotA1 = await held(a1, caps);
    await held(a2, caps);
    // A is at its cap: its next runs wait, one and two chunks behind.
    expect(await ask(caps, a3)).toMatchObject({ granted: false, refusal: { ahead: 1 } });
    expect(await ask(caps, a4)).toMatchObject({ granted: false, refusal: { ahead: 2 } });
    // B is not held back by A's queue: the application's third slot is its.
    const slotB1 = await held(b1, caps);
    expect(await heldByCustomer(app)).toEqual({ [A]: 2, [B]: 1 });
    // The application is full now.
    const b2Refused = await ask(caps, b2);
    expect(b2Refused).toMatchObject({ granted: false, refusal: { ahead: 1 } });
    const c1Refused = await ask(caps, c1);
    expect(c1Refused.granted).toBe(false);

    // A slot frees: C runs nothing, so its waiter goes first, though A's and B's waited longer.
    await slotA1.release();
    expect(await signalsTo(c1)).toBe(1);
    expect([await signalsTo(a3), await signalsTo(b2)]).toEqual([0, 0]);
    expect((await ask(caps, a3)).granted).toBe(false);
    const slotC1 = await held(c1, caps);
    expect(await heldByCustomer(app)).toEqual({ [A]: 1, [B]: 1, [C]: 1 });

    // Next: A, B and C each run one; A's waiter asked before B's, so it goes first.
    await slotC1.release();
    expect(await signalsTo(a3)).toBe(1);
    expect(await signalsTo(b2)).toBe(0);
    expect((await ask(caps, b2, b2Refused.granted ? undefined : b2Refused.refusal.waitingSince)).granted).toBe(false);
    await held(a3, caps);
    expect(await heldByCustomer(app)).toEqual({ [A]: 2, [B]: 1 });

    // B's own next chunk waits behind nobody of B's and takes B's freed slot's place in line.
    await slotB1.release();
    expect(await signalsTo(b2)).toBe(1);
    await held(b2, caps);
    expect(await heldByCustomer(app)).toEqual({ [A]: 2, [B]: 1 });
    // a4 still waits: A is at its cap.
    expect((await ask(caps, a4)).granted).toBe(false);
  });

  it('keeps a waiter’s place in line by its waitingSince, even after its row lapsed', async () => {
    const app = await newApplication();
    const caps = { perApplication: 1, perCustomer: 1 };
    const [X, Y] = [randomUUID(), randomUUID()];
    const [x1, x2, y1] = [await openRun(app, X), await openRun(app, X), await openRun(app, Y)];
    const slotX1 = await held(x1, caps);
    const refused = await ask(caps, y1);
    if (refused.granted) throw new Error('y1 should wait');
    // Its row lapses (its worker was slow to ask again); a newer waiter queues meanwhile.
    await db().deleteFrom('tenant_chunk_slots').where('run_id', '=', y1.runId).execute();
    expect((await ask(caps, x2)).granted).toBe(false);
    await slotX1.release();
    // Asking afresh, y1 would queue behind x2; with its waitingSince it is back before it.
    expect((await ask(caps, y1)).granted).toBe(false);
    expect((await ask(caps, y1, refused.refusal.waitingSince)).granted).toBe(true);
    expect((await ask(caps, x2)).granted).toBe(false);
  });

  it('lets a retried attempt of a run take the run’s slot over at once, and ignores the earlier attempt’s late release', async () => {
    const app = await newApplication();
    const caps = { perApplication: 1, perCustomer: 1 };
    const r = await openRun(app, randomUUID());
    const first = await held(r, caps);
    // The first attempt's worker is presumed dead; the retry does not wait for its lease to expire.
    const retry = await held(r, caps);
    await first.release();
    const rows = await db().selectFrom('tenant_chunk_slots').select(['lease_id']).where('run_id', '=', r.runId).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.lease_id).not.toBeNull();
    await retry.release();
    expect(await db().selectFrom('tenant_chunk_slots').select('run_id').where('run_id', '=', r.runId).execute()).toEqual([]);
  });

  it('reclaims the slot of a holder that stopped renewing once its lease expired, on the database clock', async () => {
    const app = await newApplication();
    const caps = { perApplication: 1, perCustomer: 1 };
    const Z = randomUUID();
    const [dead, next] = [await openRun(app, Z), await openRun(app, Z)];
    const LEASE_MS = 1500;
    // A holder whose worker is killed: it took the slot and never renews nor releases it.
    const taken = await repo.acquireChunkSlot(db(), { ...dead, leaseId: randomUUID(), leaseMs: LEASE_MS, waitingSince: null, ...caps, waiterMs: () => 10_000 });
    expect(taken?.granted).toBe(true);
    const { expires_at: expiry } = await db().selectFrom('tenant_chunk_slots').select('expires_at').where('run_id', '=', dead.runId).executeTakeFirstOrThrow();

    let refusals = 0;
    let grantedAt: Date | undefined;
    for (let i = 0; i < 100 && !grantedAt; i++) {
      const answer = await ask(caps, next);
      if (answer.granted) {
        grantedAt = (await sql<{ now: Date }>`select clock_timestamp() as now`.execute(db())).rows[0]!.now;
        await answer.slot.release();
      } else {
        refusals++;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // Refused while the dead holder's lease ran, granted after it expired.
    expect(refusals).toBeGreaterThan(0);
    expect(grantedAt).toBeDefined();
    expect(grantedAt!.getTime()).toBeGreaterThanOrEqual(expiry.getTime());
    expect(await db().selectFrom('tenant_chunk_slots').select('run_id').where('run_id', '=', dead.runId).execute()).toEqual([]);
  });

  it('renews a held slot while its chunk runs', async () => {
    const app = await newApplication();
    const r = await openRun(app, randomUUID());
    const answer = await takeChunkSlot(deps(), { perApplication: 5, perCustomer: 5 }, { ...r, heartbeatTimeoutMs: 400 });
    if (!answer.granted) throw new Error('expected a slot');
    const expiry = async () => (await db().selectFrom('tenant_chunk_slots').select('expires_at').where('run_id', '=', r.runId).executeTakeFirstOrThrow()).expires_at.getTime();
    const before = await expiry();
    // Renewals come every quarter of the heartbeat timeout (at least 250 ms).
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await expiry()).toBeGreaterThan(before);
    await answer.slot.release();
  });
});
