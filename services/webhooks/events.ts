/**
 * Records webhook events in the outbox. Call it with the transaction that makes the
 * change, so an event exists exactly when its change committed. Delivery is separate
 * (the webhooks feature reads undispatched events).
 */
import { sql } from 'kysely';
import type { Db } from '../../db/connection';
import { EVENT_LOG_LOCK_CLASS } from '../../db/repositories/webhooks';

/** NOTIFY channel of committed webhook events (payload empty: listeners dispatch the whole outbox). */
export const WEBHOOK_EVENTS_CHANNEL = 'syncwell_webhook_events';

export type WebhookEventType =
  | 'sync.complete'
  | 'sync.paused'
  | 'connection.created'
  | 'connection.deleted'
  | 'object.field_mapping.created'
  | 'object.field_mapping.updated'
  | 'entity.entity_mapping.created'
  | 'entity.entity_mapping.updated'
  | 'entity.entity_mapping.deleted';

/**
 * `payload` is the event body exactly as the reference spec's `webhooks` section defines it (without webhook_event_type, added here).
 * Null and undefined fields are left out: no property of those schemas is nullable (a successful sync.complete has no error_message).
 */
export async function recordEvent(
  trx: Db,
  applicationId: string,
  type: WebhookEventType,
  payload: Record<string, unknown>,
): Promise<{ id: string }> {
  const body = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== null && v !== undefined));
  // One statement: the lock is taken before the row (and its seq) exists, and held to commit.
  // The notification wakes the workers' dispatchers (services/webhooks/listener.ts); Postgres sends
  // it only when the transaction commits (never for a rolled-back event), and one per transaction.
  const { rows } = await sql<{ id: string }>`
    with lock as (select pg_advisory_xact_lock_shared(${EVENT_LOG_LOCK_CLASS}::int, hashtext(${applicationId}::text))),
    inserted as (
      insert into webhook_events (application_id, type, payload)
      select ${applicationId}::uuid, ${type}::text, ${JSON.stringify({ webhook_event_type: type, ...body })}::jsonb from lock
      returning id
    )
    select id, pg_notify(${WEBHOOK_EVENTS_CHANNEL}::text, '') from inserted`.execute(trx);
  return { id: rows[0]!.id };
}
