import { Context } from '@temporalio/activity';
import type { ServiceDeps } from '../services/deps';
import { keepHeartbeating } from './heartbeat';
import { attemptWebhookDelivery, recordLostAttempt, webhookTargets, type AttemptInput, type AttemptResult } from '../services/webhooks/delivery';
import { deleteLegacyDispatcherSchedule, dispatchWebhookEvents } from '../services/orchestration/webhook-dispatch';

export interface WebhookActivityDeps extends ServiceDeps {
  /** Per-attempt HTTP timeout (tests shorten it); 10 s by default. */
  webhookTimeoutMs?: number;
}

export function createWebhookActivities(deps: WebhookActivityDeps) {
  return {
    /**
     * Only the legacy dispatcher schedule's workflow calls this. Such a run on this version means
     * an old worker re-created the schedule during an upgrade: it goes again, and the run still
     * dispatches.
     */
    async dispatchWebhookEvents(): Promise<{ started: number; skipped: number }> {
      await deleteLegacyDispatcherSchedule(deps);
      return dispatchWebhookEvents(deps);
    },

    /** Endpoint ids the event goes to (enabled, matching its type). */
    async listWebhookTargets(input: { eventId: string }): Promise<string[]> {
      return webhookTargets(deps, input.eventId);
    },

    /** One HTTP attempt, recorded; never throws for an HTTP failure (the workflow schedules retries). */
    async attemptWebhookDelivery(input: AttemptInput): Promise<AttemptResult> {
      const activity = Context.current();
      // Liveness only (the request has its own timeout): a killed worker stops these, and the
      // workflow learns within the heartbeat timeout instead of the whole start-to-close.
      const stopHeartbeating = keepHeartbeating(activity, undefined, 1000);
      try {
        return await attemptWebhookDelivery(deps, input, { timeoutMs: deps.webhookTimeoutMs, signal: activity.cancellationSignal });
      } finally {
        stopHeartbeating();
      }
    },

    /** Records an attempt whose activity failed or timed out without recording itself. */
    async recordLostWebhookAttempt(input: AttemptInput & { error: string }): Promise<void> {
      await recordLostAttempt(deps, input);
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
