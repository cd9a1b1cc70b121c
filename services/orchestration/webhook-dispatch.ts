/**
 * Moves outbox events into Temporal: one delivery workflow per event (`webhook:<event id>`),
 * started idempotently; `dispatched_at` is set only after the start succeeded (or the
 * workflow already existed), so an event is never lost between its commit and its start.
 * Run by the workers' listeners (services/webhooks/listener.ts): on every committed event, after
 * every (re)connect, and by their in-process sweep (the net for a lost notification).
 */
import { ScheduleNotFoundError, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import * as repo from '../../db/repositories/webhooks';
import type { ServiceDeps } from '../deps';
import type { WebhookDeliveryInput } from '../../workflows/inputs';

/** The 5 s dispatcher Schedule of earlier versions (17,280 executions a day); deleted at worker start. */
export const LEGACY_DISPATCHER_SCHEDULE_ID = 'syncwell:webhook-dispatcher';

export const deliveryWorkflowId = (eventId: string) => `webhook:${eventId}`;
export const redeliveryWorkflowId = (eventId: string, suffix: string) => `webhook:${eventId}:redeliver:${suffix}`;

/** Starts a delivery workflow; false if one with this id exists already (running or finished). */
export async function startDeliveryWorkflow(deps: ServiceDeps, eventId: string, workflowId = deliveryWorkflowId(eventId)): Promise<boolean> {
  try {
    await deps.temporal.client.workflow.start('webhookDeliveryWorkflow', {
      taskQueue: deps.temporal.taskQueue,
      workflowId,
      args: [{ eventId } satisfies WebhookDeliveryInput],
      // Never a second delivery series for one event id, even after the first finished.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

/**
 * Dispatches every undispatched event (all applications), oldest first. Events no enabled
 * endpoint wants are marked dispatched without a workflow. Safe to run concurrently.
 */
export async function dispatchWebhookEvents(deps: ServiceDeps, opts: { batchSize?: number; maxBatches?: number } = {}): Promise<{ started: number; skipped: number }> {
  const batchSize = opts.batchSize ?? 100;
  let started = 0;
  let skipped = 0;
  for (let b = 0; b < (opts.maxBatches ?? 20); b++) {
    const events = await repo.listUndispatchedEvents(deps.db, batchSize);
    if (events.length === 0) break;
    const appIds = [...new Set(events.map((e) => e.application_id))];
    const endpoints = await repo.listEnabledEndpointEventTypes(deps.db, appIds);
    const wanted = (e: (typeof events)[number]) => endpoints.some((ep) => ep.application_id === e.application_id && (ep.event_types === null || ep.event_types.includes(e.type)));

    const done: string[] = [];
    let failure: unknown;
    // A few starts at a time: bounded load on the frontend, and stop at the first failure.
    for (let i = 0; i < events.length && failure === undefined; i += 10) {
      const slice = events.slice(i, i + 10);
      const results = await Promise.allSettled(slice.map(async (e) => (wanted(e) ? startDeliveryWorkflow(deps, e.id).then(() => 'started' as const) : ('skipped' as const))));
      results.forEach((r, k) => {
        if (r.status === 'fulfilled') {
          done.push(slice[k]!.id);
          if (r.value === 'started') started++;
          else skipped++;
        } else failure ??= r.reason;
      });
    }
    await repo.markEventsDispatched(deps.db, done);
    if (failure !== undefined) throw failure;
    if (events.length < batchSize) break;
  }
  return { started, skipped };
}

/**
 * Deletes the dispatcher Schedule an earlier version created (idempotent): the workers' sweep
 * replaces it, without a workflow execution every few seconds in the Temporal UI.
 */
export async function deleteLegacyDispatcherSchedule(deps: ServiceDeps): Promise<boolean> {
  try {
    await deps.temporal.client.schedule.getHandle(LEGACY_DISPATCHER_SCHEDULE_ID).delete();
    deps.logger.info({ scheduleId: LEGACY_DISPATCHER_SCHEDULE_ID }, 'deleted the legacy webhook dispatcher schedule');
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}
