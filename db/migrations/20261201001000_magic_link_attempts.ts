import type { Kysely } from 'kysely';

/**
 * The hosted connect page's own rate limit against key guessing: submissions of a link counted in
 * a window, in the database so that every API process sees the same count.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('magic_links')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('attempts_window_started_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('magic_links').dropColumn('attempts').dropColumn('attempts_window_started_at').execute();
}
