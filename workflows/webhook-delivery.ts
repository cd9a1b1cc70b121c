/**
 * Delivery of one outbox event to every endpoint that wants it, each on its own exact
 * retry schedule: one activity attempt per try, durable timers in between (so worker
 * restarts lose nothing and tests can skip the time).
 */
import { ActivityFailure, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/webhooks';
import type { WebhookDeliveryInput } from './inputs';

/**
 * Waits between attempts: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, then every 2 h until a
 * day has passed since the first attempt. 19 attempts over 25 h 42 min 35 s.
 */
export const WEBHOOK_RETRY_DELAYS_MS: readonly number[] = (() => {
  const s = 1000;
  const delays = [5 * s, 30 * s, 120 * s, 600 * s, 1800 * s, 3600 * s];
  let total = delays.reduce((a, b) => a + b, 0);
  while (total < 24 * 3600 * s) {
    delays.push(7200 * s);
    total += 7200 * s;
  }
  return delays;
})();

const attempts = proxyActivities<WebhookActivities>({
  // The HTTP request has 10 s; the rest is for the database.
  startToCloseTimeout: '30 seconds',
  // The attempt heartbeats every second: a lost worker shows within 5 s.
  heartbeatTimeout: '5 seconds',
  // One attempt per try: the schedule above is the retry policy.
  retry: { maximumAttempts: 1 },
});

const bookkeeping = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export type EndpointDeliveryResult = { endpointId: string; outcome: 'delivered' | 'gone' | 'skipped' | 'failed'; attempts: number };

async function deliverToEndpoint(eventId: string, endpointId: string): Promise<EndpointDeliveryResult> {
  const { workflowId } = workflowInfo();
  for (let attempt = 1; ; attempt++) {
    const input = { eventId, endpointId, workflowId, attempt };
    let outcome: 'delivered' | 'gone' | 'skipped' | 'retry';
    try {
      outcome = (await attempts.attemptWebhookDelivery(input)).outcome;
    } catch (err) {
      // The activity itself failed (worker lost mid-request, timed out): a failed attempt.
      const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
      await bookkeeping.recordLostWebhookAttempt({ ...input, error: cause instanceof Error ? cause.message : String(cause) });
      outcome = 'retry';
    }
    if (outcome !== 'retry') return { endpointId, outcome, attempts: attempt };
    const delay = WEBHOOK_RETRY_DELAYS_MS[attempt - 1];
    if (delay === undefined) return { endpointId, outcome: 'failed', attempts: attempt };
    await sleep(delay);
  }
}

/** `webhook:<event id>` (from the dispatcher) or `webhook:<event id>:redeliver:<uuid>`. */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<EndpointDeliveryResult[]> {
  const endpointIds = await bookkeeping.listWebhookTargets({ eventId: input.eventId });
  return Promise.all(endpointIds.map((id) => deliverToEndpoint(input.eventId, id)));
}

/**
 * Started by nothing any more (the workers sweep in-process, services/webhooks/listener.ts). Kept so
 * that runs of the `syncwell:webhook-dispatcher` schedule earlier versions created, in flight at
 * an upgrade or fired before the schedule is deleted, complete instead of failing on an unknown type.
 */
export async function webhookDispatchWorkflow(): Promise<{ started: number; skipped: number }> {
  return bookkeeping.dispatchWebhookEvents();
}
