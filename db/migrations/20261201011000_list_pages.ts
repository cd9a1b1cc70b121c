import { sql, type Kysely } from 'kysely';

/**
 * What the list endpoints' pages read. GET /syncs pages an application's syncs oldest first: with
 * that order in an index a page reads its rows instead of sorting every sync. GET /sync-runs
 * answers the application's total_count, which counted every run it ever had on each request (tens
 * of ms at 180,000 runs, growing with the ledger): the count is kept per application instead, by
 * statement triggers in the transaction that inserts or deletes runs (cascades included).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('syncs_app_created').on('syncs').columns(['application_id', 'created_at', 'id']).execute();
  await db.schema
    .createTable('sync_run_counts')
    .addColumn('application_id', 'uuid', (c) => c.primaryKey().references('applications.id').onDelete('cascade'))
    .addColumn('runs', 'bigint', (c) => c.notNull())
    .execute();
  await sql`
    create function sync_run_counts_apply() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into sync_run_counts as c (application_id, runs)
          select application_id, count(*) from new_runs group by application_id
          on conflict (application_id) do update set runs = c.runs + excluded.runs;
      elsif tg_op = 'DELETE' then
        update sync_run_counts c set runs = c.runs - d.n
          from (select application_id, count(*) as n from old_runs group by application_id) d
          where c.application_id = d.application_id;
      else
        delete from sync_run_counts;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger sync_run_counts_insert after insert on sync_runs referencing new table as new_runs for each statement execute function sync_run_counts_apply()`.execute(
    db,
  );
  await sql`create trigger sync_run_counts_delete after delete on sync_runs referencing old table as old_runs for each statement execute function sync_run_counts_apply()`.execute(
    db,
  );
  await sql`create trigger sync_run_counts_truncate after truncate on sync_runs for each statement execute function sync_run_counts_apply()`.execute(db);
  await sql`insert into sync_run_counts (application_id, runs) select application_id, count(*) from sync_runs group by application_id`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sync_run_counts').execute();
  await sql`drop function sync_run_counts_apply() cascade`.execute(db);
  await db.schema.dropIndex('syncs_app_created').execute();
}
