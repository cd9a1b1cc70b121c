import type { Db } from '../connection';
import type { TenantTokenKey } from '../database';

export function findApplicationByKeyHash(db: Db, apiKeyHash: string) {
  return db.selectFrom('applications').selectAll().where('api_key_hash', '=', apiKeyHash).executeTakeFirst();
}

export function insertApplication(db: Db, values: { name: string; api_key_hash: string }) {
  return db.insertInto('applications').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function countApplications(db: Db): Promise<number> {
  const row = await db
    .selectFrom('applications')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listApplicationIds(db: Db): Promise<string[]> {
  return (await db.selectFrom('applications').select('id').execute()).map((a) => a.id);
}

export async function findTenantTokenKey(db: Db, applicationId: string): Promise<TenantTokenKey | null> {
  const row = await db.selectFrom('applications').select('tenant_token_key').where('id', '=', applicationId).executeTakeFirst();
  return row?.tenant_token_key ?? null;
}

export async function setTenantTokenKey(db: Db, applicationId: string, key: TenantTokenKey | null): Promise<void> {
  await db
    .updateTable('applications')
    .set({ tenant_token_key: key === null ? null : JSON.stringify(key) })
    .where('id', '=', applicationId)
    .execute();
}
