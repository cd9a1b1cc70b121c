/**
 * One delivery attempt of one event to one endpoint, signed per Standard Webhooks
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`).
 * Every attempt is recorded in webhook_deliveries. No redirects, no credentials of ours.
 */
import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import * as repo from '../../db/repositories/webhooks';
import { outboundBlockOf, withOutboundPolicy } from '../../lib/outbound-policy';
import type { ServiceDeps } from '../deps';

export const WEBHOOK_ATTEMPT_TIMEOUT_MS = 10_000;
export const WEBHOOK_USER_AGENT = 'Syncwell-Webhooks/1.0';

/**
 * The Standard Webhooks message id of an event to an endpoint: the same on every retry
 * and redelivery, so receivers can deduplicate on it.
 */
export function webhookMessageId(eventId: string, endpointId: string): string {
  return `msg_${createHash('sha256').update(`${eventId}:${endpointId}`).digest('base64url').slice(0, 32)}`;
}

/** The headers of one signed request (exported for receivers' tests and tools). */
export function signWebhook(secret: string, msgId: string, body: string, at = new Date()): Record<string, string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(msgId, at, body),
  };
}

export type AttemptOutcome =
  /** 2xx. */
  | 'delivered'
  /** 410 Gone: the endpoint was disabled; no more attempts. */
  | 'gone'
  /**
   * Anything else (3xx, 4xx, 5xx, timeout, network error): try again later. A connection the
   * outbound policy refused is retried too: the host's DNS may be corrected meanwhile.
   */
  | 'retry'
  /** The endpoint was deleted or disabled (or the event is gone) before this attempt: stop. */
  | 'skipped';

export interface AttemptInput {
  eventId: string;
  endpointId: string;
  workflowId: string;
  attempt: number;
}

export interface AttemptResult {
  outcome: AttemptOutcome;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/** The endpoints a delivery workflow sends the event to: enabled and wanting its type, now. */
export async function webhookTargets(deps: ServiceDeps, eventId: string): Promise<string[]> {
  const event = await repo.findEventById(deps.db, eventId);
  if (!event) return [];
  return (await repo.listMatchingEndpoints(deps.db, event.application_id, event.type)).map((e) => e.id);
}

function describeError(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  if (e?.name === 'AbortError') return 'aborted (worker shutting down)';
  const blocked = outboundBlockOf(err);
  if (blocked) return blocked.message;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `${e?.message ?? String(err)}${cause ? ` (${cause})` : ''}`.slice(0, 1000);
}

/** Sends one attempt and records it. `signal` aborts it (activity cancellation). */
export async function attemptWebhookDelivery(deps: ServiceDeps, input: AttemptInput, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<AttemptResult> {
  const timeoutMs = opts.timeoutMs ?? WEBHOOK_ATTEMPT_TIMEOUT_MS;
  const event = await repo.findEventById(deps.db, input.eventId);
  const endpoint = event && (await repo.findEndpoint(deps.db, event.application_id, input.endpointId));
  if (!event || !endpoint?.enabled) {
    deps.metrics?.webhookAttempt('skipped');
    return { outcome: 'skipped', statusCode: null, latencyMs: 0, error: null };
  }

  const body = JSON.stringify(event.payload);
  const secret = deps.secrets.decrypt(endpoint.secret_encrypted);
  const headers = {
    'content-type': 'application/json',
    'user-agent': WEBHOOK_USER_AGENT,
    ...signWebhook(secret, webhookMessageId(event.id, endpoint.id), body),
  };
  const signals = [AbortSignal.timeout(timeoutMs), ...(opts.signal ? [opts.signal] : [])];
  const started = performance.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const res = await fetch(endpoint.url, withOutboundPolicy(deps.outboundPolicy, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.any(signals) }));
    statusCode = res.status;
    // The body is not read (it is not ours to keep); release the connection.
    await res.body?.cancel().catch(() => undefined);
    if (statusCode < 200 || statusCode >= 300) error = statusCode >= 300 && statusCode < 400 ? `HTTP ${statusCode} (redirects are not followed)` : `HTTP ${statusCode}`;
  } catch (err) {
    error = describeError(err, timeoutMs);
  }
  const latencyMs = Math.round(performance.now() - started);
  const outcome: AttemptOutcome = statusCode !== null && statusCode >= 200 && statusCode < 300 ? 'delivered' : statusCode === 410 ? 'gone' : 'retry';

  await deps.db.transaction().execute(async (trx) => {
    await repo.insertDelivery(trx, {
      application_id: event.application_id,
      event_id: event.id,
      endpoint_id: endpoint.id,
      workflow_id: input.workflowId,
      attempt: input.attempt,
      status_code: statusCode,
      success: outcome === 'delivered',
      latency_ms: latencyMs,
      error,
    });
    if (outcome === 'gone') {
      await repo.updateEndpoint(trx, event.application_id, endpoint.id, { enabled: false, disabled_reason: 'The endpoint answered 410 Gone: disabled' });
    }
  });
  deps.metrics?.webhookAttempt(outcome, event.created_at);
  return { outcome, statusCode, latencyMs, error };
}

/** Records an attempt whose activity did not complete (worker lost, activity timed out). */
export async function recordLostAttempt(deps: ServiceDeps, input: AttemptInput & { error: string }): Promise<void> {
  const event = await repo.findEventById(deps.db, input.eventId);
  const endpoint = event && (await repo.findEndpoint(deps.db, event.application_id, input.endpointId));
  if (!event || !endpoint) return;
  await repo.insertDelivery(deps.db, {
    application_id: event.application_id,
    event_id: event.id,
    endpoint_id: endpoint.id,
    workflow_id: input.workflowId,
    attempt: input.attempt,
    status_code: null,
    success: false,
    latency_ms: 0,
    error: `attempt did not complete: ${input.error}`.slice(0, 1000),
  });
  deps.metrics?.webhookAttempt('lost');
}
