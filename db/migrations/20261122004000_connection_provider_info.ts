import type { Kysely } from 'kysely';

/**
 * What a connection learns from its provider besides records: the details of the user behind
 * provider_user_id, and the rate limits the provider last reported. Both nullable: unknown
 * until the provider was asked (or answered with rate limit headers).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('connections').addColumn('provider_user_details', 'jsonb').addColumn('rate_limit_info', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('connections').dropColumn('provider_user_details').dropColumn('rate_limit_info').execute();
}
