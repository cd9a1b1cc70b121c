import { sql, type Kysely } from 'kysely';

/**
 * The run count behind GET /sync-runs' total_count, kept per sync instead of per application
 * (20261201011000). One row per application was updated by every run insert of the application,
 * so concurrent run openings queued on it until each commit, and a customer delete cascading over
 * several connections could deadlock with a run opening (it held the row while waiting for a sync
 * row the opening had locked). A sync's row is only touched by that sync's runs, after its own
 * sync row: no cycle. The total is the sum of the application's rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop trigger sync_run_counts_insert on sync_runs`.execute(db);
  await sql`drop trigger sync_run_counts_delete on sync_runs`.execute(db);
  await sql`drop trigger sync_run_counts_truncate on sync_runs`.execute(db);
  await sql`drop function sync_run_counts_apply()`.execute(db);
  await db.schema.dropTable('sync_run_counts').execute();
  await db.schema
    .createTable('sync_run_counts')
    .addColumn('application_id', 'uuid', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    .addColumn('sync_id', 'uuid', (c) => c.notNull().references('syncs.id').onDelete('cascade'))
    .addColumn('runs', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sync_run_counts_pkey', ['application_id', 'sync_id'])
    .execute();
  await sql`
    create function sync_run_counts_apply() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into sync_run_counts as c (application_id, sync_id, runs)
          select application_id, sync_id, count(*) from new_runs group by application_id, sync_id
          order by application_id, sync_id
          on conflict (application_id, sync_id) do update set runs = c.runs + excluded.runs;
      elsif tg_op = 'DELETE' then
        update sync_run_counts c set runs = c.runs - d.n
          from (select application_id, sync_id, count(*) as n from old_runs group by application_id, sync_id) d
          where c.application_id = d.application_id and c.sync_id = d.sync_id;
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
  await sql`insert into sync_run_counts (application_id, sync_id, runs) select application_id, sync_id, count(*) from sync_runs group by application_id, sync_id`.execute(db);
}

/** Back to one row per application, the shape 20261201011000 left. */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function sync_run_counts_apply() cascade`.execute(db);
  await db.schema.dropTable('sync_run_counts').execute();
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
  for (const [name, when] of [
    ['insert', 'after insert on sync_runs referencing new table as new_runs'],
    ['delete', 'after delete on sync_runs referencing old table as old_runs'],
    ['truncate', 'after truncate on sync_runs'],
  ] as const) {
    await sql`create trigger ${sql.raw(`sync_run_counts_${name}`)} ${sql.raw(when)} for each statement execute function sync_run_counts_apply()`.execute(db);
  }
  await sql`insert into sync_run_counts (application_id, runs) select application_id, count(*) from sync_runs group by application_id`.execute(db);
}
