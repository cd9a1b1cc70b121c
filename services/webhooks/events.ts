/**
 * Records webhook events in the outbox. Call it with the transaction that makes the
 * change, so an event exists exactly when its change committed. Delivery is separate
 * (the webhooks feature reads undispatched events).
 */
import type { Db } from '../../db/connection';
import { insertEvent } from '../../db/repositories/webhooks';

export type WebhookEventType =
  | 'sync.complete'
  | 'sync.paused'
  | 'connection.created'
  | 'connection.updated'
  | 'connection.deleted'
  | 'object.field_mapping.created'
  | 'object.field_mapping.updated'
  | 'entity.entity_mapping.created'
  | 'entity.entity_mapping.updated'
  | 'entity.entity_mapping.deleted'
  | 'write_job.complete'
  | 'job.created'
  | 'job.sync_started'
  | 'job.sync_success'
  | 'job.sync_failed'
  | 'job.completed';

/**
 * `payload` is the event body exactly as the reference spec's `webhooks` section defines it (without webhook_event_type, added here).
 * Null and undefined fields are left out: no property of those schemas is nullable (a successful sync.complete has no error_message).
 */
export async function recordEvent(trx: Db, applicationId: string, type: WebhookEventType, payload: Record<string, unknown>): Promise<{ id: string }> {
  const body = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== null && v !== undefined));
  return insertEvent(trx, applicationId, type, { webhook_event_type: type, ...body });
}
