/**
 * Fairness between tenants: at most `perApplication` sync chunks of one application and
 * `perCustomer` of one customer run at a time, fleet-wide (the slots are rows in Postgres, shared
 * by every worker). A chunk takes its slot when it starts and gives it back when it ends; a chunk
 * that gets none does not start, and its workflow waits on a durable timer, holding no worker slot,
 * until a release wakes it (a signal) or the timer fires. The order of waiters is in
 * db/repositories/tenant-chunk-slots.ts (the customer running fewest chunks first, then the
 * longest waiter); docs/fairness.md has the whole design.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import * as slots from '../../db/repositories/tenant-chunk-slots';
import { failureMessage } from '../../lib/errors';
import type { ServiceDeps } from '../deps';
import { TENANT_SLOT_FREE_SIGNAL, type ChunkSlotRefusal } from '../../workflows/tenant-slots';

export interface ChunkSlotSettings {
  perApplication: number;
  perCustomer: number;
  /**
   * When a waiter asks again if no wake-up came (a lost signal, a holder that died): `baseMs`
   * per wave of chunks ahead of it, at most `maxMs`. Defaults: 2 s and 30 s.
   */
  recheck?: { baseMs: number; maxMs: number };
}

/** A refused waiter keeps its place this long after its recheck is due: a late timer does not lose it. */
const WAITER_GRACE_MS = 10_000;
/** A held slot outlives its chunk's last renewal by this much beyond the heartbeat timeout. */
const LEASE_MARGIN_MS = 5_000;

export interface HeldChunkSlot {
  /** Gives the slot back and wakes the waiters it frees a place for; never throws. */
  release(): Promise<void>;
}

export type ChunkSlotAnswer = { granted: true; slot: HeldChunkSlot } | { granted: false; refusal: ChunkSlotRefusal };

export interface ChunkSlotAsk {
  runId: string;
  /** The run's workflow id: where a wake-up goes. */
  workflowId: string;
  /** From the run's previous refusal: keeps its place in line. */
  waitingSince?: string;
  /** The chunk's heartbeat timeout: a slot it stops renewing lapses soon after. */
  heartbeatTimeoutMs: number;
}

/**
 * Asks for the run's chunk slot. Granted: the slot is renewed every quarter of the heartbeat
 * timeout until released, so a killed worker's slot lapses by the heartbeat timeout plus 5 s.
 * A run that no longer exists is granted nothing to hold: its chunk reports it missing.
 */
export async function takeChunkSlot(deps: ServiceDeps, settings: ChunkSlotSettings, ask: ChunkSlotAsk): Promise<ChunkSlotAnswer> {
  const recheck = settings.recheck ?? { baseMs: 2_000, maxMs: 30_000 };
  const recheckMs = (waves: number) => Math.min(recheck.maxMs, recheck.baseMs * waves);
  const leaseMs = ask.heartbeatTimeoutMs + LEASE_MARGIN_MS;
  const leaseId = randomUUID();
  const answer = await slots.acquireChunkSlot(deps.db, {
    runId: ask.runId,
    workflowId: ask.workflowId,
    leaseId,
    leaseMs,
    waitingSince: ask.waitingSince ? new Date(ask.waitingSince) : null,
    perApplication: settings.perApplication,
    perCustomer: settings.perCustomer,
    waiterMs: (waves) => recheckMs(waves) + WAITER_GRACE_MS,
  });
  if (!answer) return { granted: true, slot: { release: async () => undefined } };
  if (!answer.granted) {
    return { granted: false, refusal: { waitingSince: answer.waitingSince.toISOString(), retryInMs: recheckMs(answer.waves), ahead: answer.ahead } };
  }

  const log = deps.logger.child({ runId: ask.runId, applicationId: answer.applicationId, customerId: answer.customerId });
  const renewal = setInterval(
    () => {
      slots.renewChunkSlot(deps.db, ask.runId, leaseId, leaseMs).then(
        (kept) => kept || log.warn('chunk slot lapsed while its chunk ran (renewals failed for longer than the lease): the tenant may run one chunk over its cap'),
        (err) => log.warn({ err: failureMessage(err) }, 'chunk slot renewal failed; retried at the next heartbeat'),
      );
    },
    Math.max(250, Math.floor(ask.heartbeatTimeoutMs / 4)),
  );
  return {
    granted: true,
    slot: {
      async release() {
        clearInterval(renewal);
        try {
          const wake = await slots.releaseChunkSlot(deps.db, ask.runId, leaseId, settings);
          await Promise.all(wake.map((w) => wakeWaiter(deps, w)));
        } catch (err) {
          // The chunk's outcome stands: an unreleased slot lapses with its lease.
          log.warn({ err: failureMessage(err) }, 'chunk slot release failed; it lapses when its lease expires');
        }
      },
    },
  };
}

async function wakeWaiter(deps: ServiceDeps, waiter: slots.WakeUp): Promise<void> {
  try {
    await deps.temporal.client.workflow.getHandle(waiter.workflowId).signal(TENANT_SLOT_FREE_SIGNAL);
  } catch (err) {
    // Its workflow ended while waiting: it will not ask again, so it must not keep a place in line.
    if (err instanceof WorkflowNotFoundError) await slots.forgetChunkSlotWaiter(deps.db, waiter.runId);
    // Otherwise its recheck timer brings it back.
    else deps.logger.warn({ err: failureMessage(err), workflowId: waiter.workflowId }, 'waking a run waiting for a chunk slot failed');
  }
}
