import type { Kysely } from 'kysely';

/**
 * The public key an application registers to sign tenant tokens (the Hotglue v2 `token`): a JWK with
 * its `alg`, only ever a public key. Null: no tenant tokens are accepted for the application.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications').addColumn('tenant_token_key', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications').dropColumn('tenant_token_key').execute();
}
