import type { Db } from '../connection';

export function listCustomers(db: Db, applicationId: string) {
  return db.selectFrom('customers').selectAll().where('application_id', '=', applicationId).orderBy('created_at').orderBy('id').execute();
}

export function findCustomer(db: Db, applicationId: string, externalId: string) {
  return db.selectFrom('customers').selectAll().where('application_id', '=', applicationId).where('external_id', '=', externalId).executeTakeFirst();
}

export function findCustomerById(db: Db, applicationId: string, id: string) {
  return db.selectFrom('customers').selectAll().where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}

export function upsertCustomer(db: Db, values: { application_id: string; external_id: string; name: string; email: string }) {
  return db
    .insertInto('customers')
    .values(values)
    .onConflict((oc) => oc.columns(['application_id', 'external_id']).doUpdateSet({ name: values.name, email: values.email, updated_at: new Date() }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function deleteCustomer(db: Db, applicationId: string, id: string) {
  return db.deleteFrom('customers').where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}
