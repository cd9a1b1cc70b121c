/**
 * Idempotency keys of real-time writes: the first request with a key claims it (status_code null
 * until its outcome is stored); later ones with the same key get that outcome back for 24 hours.
 */
import { sql } from 'kysely';
import type { Db } from '../connection';

const TTL = sql`interval '24 hours'`;

type Key = { application_id: string; connection_id: string; key: string };

/** Claims the key for this request; undefined when it is taken (and not expired). Expired rows of the connection go first. */
export async function claimIdempotencyKey(db: Db, k: Key, requestHash: string) {
  await db
    .deleteFrom('write_idempotency_keys')
    .where('application_id', '=', k.application_id)
    .where('connection_id', '=', k.connection_id)
    .where('created_at', '<', sql<Date>`now() - ${TTL}`)
    .execute();
  return db
    .insertInto('write_idempotency_keys')
    .values({ ...k, request_hash: requestHash })
    .onConflict((oc) => oc.doNothing())
    .returning(['key'])
    .executeTakeFirst();
}

export function findIdempotencyKey(db: Db, k: Key) {
  return db
    .selectFrom('write_idempotency_keys')
    .select(['request_hash', 'status_code', 'response'])
    .where('application_id', '=', k.application_id)
    .where('connection_id', '=', k.connection_id)
    .where('key', '=', k.key)
    .where('created_at', '>=', sql<Date>`now() - ${TTL}`)
    .executeTakeFirst();
}

export function storeIdempotentOutcome(db: Db, k: Key, statusCode: number, response: unknown) {
  return db
    .updateTable('write_idempotency_keys')
    .set({ status_code: statusCode, response: JSON.stringify(response) })
    .where('application_id', '=', k.application_id)
    .where('connection_id', '=', k.connection_id)
    .where('key', '=', k.key)
    .execute();
}

/** The request was certainly not carried out (the provider refused to process it): the key is free again. */
export function releaseIdempotencyKey(db: Db, k: Key) {
  return db
    .deleteFrom('write_idempotency_keys')
    .where('application_id', '=', k.application_id)
    .where('connection_id', '=', k.connection_id)
    .where('key', '=', k.key)
    .where('status_code', 'is', null)
    .execute();
}
