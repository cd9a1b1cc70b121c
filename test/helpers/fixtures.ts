/**
 * Rows written straight into the application database, so API tests of one resource don't
 * depend on the routes of another (providers, destinations, schemas, entities, customers).
 */
import type { Db } from '../../db/connection';

export async function insertCustomer(db: Db, applicationId: string, externalId: string, name = externalId): Promise<{ id: string }> {
  return db
    .insertInto('customers')
    .values({ application_id: applicationId, external_id: externalId, name, email: `${externalId}@example.com` })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function insertProvider(
  db: Db,
  applicationId: string,
  p: { name: string; category?: string; auth_type?: string; objects?: Record<string, unknown>; entity_mappings?: unknown[] },
): Promise<{ id: string }> {
  return db
    .insertInto('providers')
    .values({
      application_id: applicationId,
      name: p.name,
      category: p.category ?? 'crm',
      auth_type: p.auth_type ?? 'api_key',
      objects: JSON.stringify(p.objects ?? {}),
      entity_mappings: JSON.stringify(p.entity_mappings ?? []),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function insertDestination(db: Db, applicationId: string, d: { name: string; type?: string }): Promise<{ id: string }> {
  return db
    .insertInto('destinations')
    .values({ application_id: applicationId, name: d.name, type: d.type ?? 'postgres', config: JSON.stringify({ schema: 'public' }) })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function insertSchema(
  db: Db,
  applicationId: string,
  s: { name: string; fields: Array<{ name: string; mapped_name?: string }>; allow_additional_field_mappings?: boolean },
): Promise<{ id: string }> {
  return db
    .insertInto('schemas')
    .values({
      application_id: applicationId,
      name: s.name,
      config: JSON.stringify({ fields: s.fields, allow_additional_field_mappings: s.allow_additional_field_mappings ?? false }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function insertEntity(db: Db, applicationId: string, e: { name: string; fields: string[]; allow_additional_field_mappings?: boolean }): Promise<{ id: string }> {
  return db
    .insertInto('entities')
    .values({
      application_id: applicationId,
      name: e.name,
      config: JSON.stringify({ fields: e.fields.map((name) => ({ name })), allow_additional_field_mappings: e.allow_additional_field_mappings ?? false }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/** Webhook events of an application, oldest first, as stored in the outbox. */
export async function eventsOf(db: Db, applicationId: string, type?: string) {
  let q = db.selectFrom('webhook_events').select(['type', 'payload']).where('application_id', '=', applicationId);
  if (type) q = q.where('type', '=', type);
  return q.orderBy('seq').execute();
}
