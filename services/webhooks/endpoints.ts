/**
 * Webhooks (Syncwell extension of the Supaglue Management API): endpoints with their
 * signing secrets, the event log read from the outbox, delivery attempts and redelivery.
 * Delivery itself is durable (services/orchestration/webhook-dispatch.ts, workflows/webhook-delivery.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { InvalidInputError, NotFoundError } from '../../lib/errors';
import * as repo from '../../db/repositories/webhooks';
import type { WebhookEndpointRow } from '../../db/repositories/webhooks';
import type { Selectable } from 'kysely';
import type { WebhookDeliveriesTable } from '../../db/database';
import type { ServiceDeps } from '../deps';
import type { WebhookEventType } from './events';
import { redeliveryWorkflowId, startDeliveryWorkflow } from '../orchestration/webhook-dispatch';
import { isUuid } from '../../lib/ids';
import { privateUrlProblem, type OutboundPolicy } from '../../lib/outbound-policy';

/** Every event type the outbox records (the filter values an endpoint accepts). */
export const WEBHOOK_EVENT_TYPES = [
  'sync.complete',
  'sync.paused',
  'connection.created',
  'connection.updated',
  'connection.deleted',
  'object.field_mapping.created',
  'object.field_mapping.updated',
  'entity.entity_mapping.created',
  'entity.entity_mapping.updated',
  'entity.entity_mapping.deleted',
  'write_job.complete',
  'job.created',
  'job.sync_started',
  'job.sync_success',
  'job.sync_failed',
  'job.completed',
] as const satisfies readonly WebhookEventType[];

// Fails to compile when services/webhooks/events.ts gains a type this list lacks.
type Missing = Exclude<WebhookEventType, (typeof WEBHOOK_EVENT_TYPES)[number]>;
const exhaustive: [Missing] extends [never] ? true : Missing = true;
void exhaustive;

/** `whsec_` + base64 of 32 random bytes: the Standard Webhooks secret format. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  /** null: every event type. */
  event_types: string[] | null;
  enabled: boolean;
  /** Why the endpoint was disabled automatically (it answered 410 Gone); null otherwise. */
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookEndpointInput {
  url: string;
  description?: string | null;
  event_types?: string[] | null;
  enabled?: boolean;
}

function toEndpoint(row: WebhookEndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    event_types: row.event_types,
    enabled: row.enabled,
    disabled_reason: row.disabled_reason,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

/**
 * http(s) only, no user:password (we never send credentials, and fetch refuses them), and no
 * private address when the outbound policy blocks them (delivery checks resolved names again).
 */
export function validateEndpointUrl(raw: string, policy?: OutboundPolicy): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidInputError('url: not a valid URL', { issues: [{ path: 'url', message: 'not a valid URL', code: 'invalid_url' }] });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidInputError('url: must be an http or https URL', { issues: [{ path: 'url', message: 'must be an http or https URL', code: 'invalid_url' }] });
  }
  if (url.username || url.password) {
    throw new InvalidInputError('url: must not contain credentials', { issues: [{ path: 'url', message: 'must not contain credentials', code: 'invalid_url' }] });
  }
  const blocked = privateUrlProblem(policy, url);
  if (blocked) throw new InvalidInputError(`url: ${blocked}`, { issues: [{ path: 'url', message: blocked, code: 'private_address' }] });
  return url.toString();
}

function normalizeEventTypes(types: string[] | null | undefined): string[] | null | undefined {
  if (types === undefined || types === null) return types;
  const known = new Set<string>(WEBHOOK_EVENT_TYPES);
  const unknown = types.filter((t) => !known.has(t));
  if (unknown.length) {
    throw new InvalidInputError(`event_types: unknown event type(s) ${unknown.join(', ')}`, {
      issues: [{ path: 'event_types', message: `unknown event type(s): ${unknown.join(', ')}`, code: 'invalid_enum_value' }],
    });
  }
  return [...new Set(types)];
}

async function endpointOrThrow(deps: ServiceDeps, applicationId: string, id: string): Promise<WebhookEndpointRow> {
  const row = isUuid(id) ? await repo.findEndpoint(deps.db, applicationId, id) : undefined;
  if (!row) throw new NotFoundError('Webhook endpoint', `Webhook endpoint ${id} not found`);
  return row;
}

export async function listWebhookEndpoints(deps: ServiceDeps, applicationId: string): Promise<WebhookEndpoint[]> {
  return (await repo.listEndpoints(deps.db, applicationId)).map(toEndpoint);
}

export async function getWebhookEndpoint(deps: ServiceDeps, applicationId: string, id: string): Promise<WebhookEndpoint> {
  return toEndpoint(await endpointOrThrow(deps, applicationId, id));
}

/** Creates the endpoint; the signing secret is in this response and never again. */
export async function createWebhookEndpoint(deps: ServiceDeps, applicationId: string, input: WebhookEndpointInput): Promise<WebhookEndpoint & { secret: string }> {
  const secret = generateSigningSecret();
  const row = await repo.insertEndpoint(deps.db, {
    application_id: applicationId,
    url: validateEndpointUrl(input.url, deps.outboundPolicy),
    description: input.description ?? null,
    event_types: normalizeEventTypes(input.event_types) ?? null,
    enabled: input.enabled ?? true,
    secret_encrypted: deps.secrets.encrypt(secret),
  });
  return { ...toEndpoint(row), secret };
}

export async function updateWebhookEndpoint(deps: ServiceDeps, applicationId: string, id: string, input: Partial<WebhookEndpointInput>): Promise<WebhookEndpoint> {
  await endpointOrThrow(deps, applicationId, id);
  const row = await repo.updateEndpoint(deps.db, applicationId, id, {
    ...(input.url !== undefined ? { url: validateEndpointUrl(input.url, deps.outboundPolicy) } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.event_types !== undefined ? { event_types: normalizeEventTypes(input.event_types) } : {}),
    // Enabling again (after a 410, say) clears the reason.
    ...(input.enabled !== undefined ? { enabled: input.enabled, disabled_reason: null } : {}),
  });
  if (!row) throw new NotFoundError('Webhook endpoint', `Webhook endpoint ${id} not found`);
  return toEndpoint(row);
}

export async function deleteWebhookEndpoint(deps: ServiceDeps, applicationId: string, id: string): Promise<void> {
  await endpointOrThrow(deps, applicationId, id);
  const res = await repo.deleteEndpoint(deps.db, applicationId, id);
  if (!res.numDeletedRows) throw new NotFoundError('Webhook endpoint', `Webhook endpoint ${id} not found`);
}

/** A new signing secret, effective for the next attempt; returned once. */
export async function rotateWebhookEndpointSecret(deps: ServiceDeps, applicationId: string, id: string): Promise<WebhookEndpoint & { secret: string }> {
  await endpointOrThrow(deps, applicationId, id);
  const secret = generateSigningSecret();
  const row = await repo.updateEndpoint(deps.db, applicationId, id, { secret_encrypted: deps.secrets.encrypt(secret) });
  if (!row) throw new NotFoundError('Webhook endpoint', `Webhook endpoint ${id} not found`);
  return { ...toEndpoint(row), secret };
}

// --- event log ----------------------------------------------------------------------------

export interface WebhookEventItem {
  id: string;
  type: string;
  payload: Record<string, unknown>;
  created_at: string;
}

export const EVENT_LOG_DEFAULT_PAGE_SIZE = 100;
export const EVENT_LOG_MAX_PAGE_SIZE = 1000;

export function encodeEventCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ seq })).toString('base64url');
}

export function decodeEventCursor(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  try {
    const { seq } = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { seq?: unknown };
    if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0) return seq;
  } catch {
    // fall through
  }
  throw new InvalidInputError('after: not a cursor this API issued', { issues: [{ path: 'after', message: 'invalid cursor', code: 'invalid_cursor' }] });
}

/**
 * Every event of the application in commit-safe `seq` order, whether or not an endpoint
 * wanted it. `next` is the cursor past the last event returned (null when the page is
 * empty): keep the last non-null one to tail the log.
 */
export async function listWebhookEvents(
  deps: ServiceDeps,
  applicationId: string,
  q: { after?: string; event_type?: string; page_size?: string },
): Promise<{ next: string | null; results: WebhookEventItem[] }> {
  const afterSeq = decodeEventCursor(q.after);
  const size = q.page_size === undefined ? EVENT_LOG_DEFAULT_PAGE_SIZE : Number(q.page_size);
  if (!Number.isInteger(size) || size < 1) throw new InvalidInputError('page_size: must be a positive integer');
  if (q.event_type !== undefined) normalizeEventTypes([q.event_type]);
  const rows = await repo.listEvents(deps.db, applicationId, { afterSeq, type: q.event_type, limit: Math.min(size, EVENT_LOG_MAX_PAGE_SIZE) });
  const last = rows.at(-1);
  return {
    next: last ? encodeEventCursor(Number(last.seq)) : null,
    results: rows.map((r) => ({ id: r.id, type: r.type, payload: r.payload, created_at: new Date(r.created_at).toISOString() })),
  };
}

/** A delivery attempt as the API shows it: the row without its tenant, with an ISO timestamp. */
export type WebhookDeliveryItem = Omit<Selectable<WebhookDeliveriesTable>, 'application_id' | 'created_at'> & { created_at: string };

async function eventOrThrow(deps: ServiceDeps, applicationId: string, id: string) {
  const row = isUuid(id) ? await repo.findEvent(deps.db, applicationId, id) : undefined;
  if (!row) throw new NotFoundError('Webhook event', `Webhook event ${id} not found`);
  return row;
}

/** Every delivery attempt of the event, oldest first. */
export async function listWebhookDeliveries(deps: ServiceDeps, applicationId: string, eventId: string): Promise<{ results: WebhookDeliveryItem[] }> {
  await eventOrThrow(deps, applicationId, eventId);
  const rows = await repo.listDeliveries(deps.db, applicationId, eventId);
  return {
    results: rows.map(({ application_id: _tenant, created_at, ...r }) => ({ ...r, created_at: new Date(created_at).toISOString() })),
  };
}

/** Delivers the event again, to every enabled endpoint that wants it now, as a new delivery workflow. */
export async function redeliverWebhookEvent(deps: ServiceDeps, applicationId: string, eventId: string): Promise<{ event_id: string; workflow_id: string }> {
  await eventOrThrow(deps, applicationId, eventId);
  const workflowId = redeliveryWorkflowId(eventId, randomUUID());
  await startDeliveryWorkflow(deps, eventId, workflowId);
  return { event_id: eventId, workflow_id: workflowId };
}
