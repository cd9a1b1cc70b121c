/**
 * Write jobs (extension): the job row's counts and each record's outcome. A record moves
 * pending → sending (handed to the provider) → succeeded | failed | unknown; `sending` left
 * behind by a lost worker is how a resumed job knows which records may already be written.
 */
import { sql } from 'kysely';
import type { Db } from '../connection';
import type { WriteJobSpec, WriteRecordStatus } from '../database';

export function insertWriteJob(db: Db, values: { application_id: string; connection_id: string; write_spec: WriteJobSpec; records_total: number }) {
  return db
    .insertInto('jobs')
    .values({ ...values, write_spec: JSON.stringify(values.write_spec), type: 'write', status: 'queued' })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Inserts records seq `first`, `first + 1`, ... in statements of a few thousand rows (Postgres caps bind parameters at 65,535). */
export async function insertWriteJobRecords(db: Db, jobId: string, first: number, records: Array<{ record: Record<string, unknown>; record_id: string | null }>): Promise<void> {
  const CHUNK = 5_000;
  for (let i = 0; i < records.length; i += CHUNK) {
    const rows = records.slice(i, i + CHUNK).map((r, j) => ({ job_id: jobId, seq: first + i + j, record: JSON.stringify(r.record), record_id: r.record_id }));
    await db.insertInto('write_job_records').values(rows).execute();
  }
}

/** Records a lost attempt left `sending`, oldest first. */
export function listSendingRecords(db: Db, jobId: string) {
  return db.selectFrom('write_job_records').select(['seq']).where('job_id', '=', jobId).where('status', '=', 'sending').orderBy('seq').execute();
}

/**
 * Takes the next `limit` pending records (in seq order) and marks them sending, in one statement.
 * The rows are picked in a materialized CTE: an `IN (subquery … LIMIT)` may be evaluated again when
 * a concurrent claim touches the same rows, and then updates more than `limit` rows.
 */
export async function claimPendingRecords(db: Db, jobId: string, limit: number) {
  const { rows } = await sql<{ seq: number; record: Record<string, unknown>; record_id: string | null }>`
    with picked as materialized (
      select seq from write_job_records
       where job_id = ${jobId} and status = 'pending'
       order by seq
       limit ${limit}
       for update skip locked
    )
    update write_job_records r
       set status = 'sending', updated_at = now()
      from picked
     where r.job_id = ${jobId} and r.seq = picked.seq
    returning r.seq, r.record, r.record_id`.execute(db);
  return rows.sort((a, b) => a.seq - b.seq);
}

export interface RecordOutcome {
  seq: number;
  status: Extract<WriteRecordStatus, 'pending' | 'succeeded' | 'failed' | 'unknown'>;
  provider_id?: string | null;
  operation?: string | null;
  error?: { message: string; field?: string; code?: string; status?: number } | null;
}

/**
 * Records the outcomes of `sending` records and adds them to the job's counts, in one transaction:
 * a record's outcome and the count it adds to commit together (`pending` puts a record back unsent).
 */
export async function recordOutcomes(db: Db, jobId: string, outcomes: readonly RecordOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await db.transaction().execute(async (trx) => {
    const values = outcomes.map(
      (o) => sql`(${o.seq}::int, ${o.status}::text, ${o.provider_id ?? null}::text, ${o.operation ?? null}::text, ${o.error ? JSON.stringify(o.error) : null}::jsonb)`,
    );
    const changed = await sql<{ status: WriteRecordStatus }>`
      update write_job_records r
         set status = v.status, provider_id = v.provider_id, operation = v.operation, error = v.error, updated_at = now()
        from (values ${sql.join(values)}) as v(seq, status, provider_id, operation, error)
       where r.job_id = ${jobId} and r.seq = v.seq and r.status = 'sending'
      returning r.status`.execute(trx);
    const n = (s: WriteRecordStatus) => changed.rows.filter((r) => r.status === s).length;
    await trx
      .updateTable('jobs')
      .set((eb) => ({
        records_succeeded: eb('records_succeeded', '+', n('succeeded')),
        records_failed: eb('records_failed', '+', n('failed')),
        records_unknown: eb('records_unknown', '+', n('unknown')),
        updated_at: new Date(),
      }))
      .where('id', '=', jobId)
      .execute();
  });
}

/** Pending records: how many are left to write. */
export async function countOpenRecords(db: Db, jobId: string): Promise<number> {
  const row = await db
    .selectFrom('write_job_records')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('job_id', '=', jobId)
    .where('status', 'in', ['pending', 'sending'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A page of outcomes in seq order, after `afterSeq` (or before `beforeSeq`, for a previous page). */
export function listRecordOutcomes(db: Db, jobId: string, page: { afterSeq?: number; beforeSeq?: number; limit: number }) {
  let q = db.selectFrom('write_job_records').select(['seq', 'status', 'provider_id', 'operation', 'error', 'record_id']).where('job_id', '=', jobId);
  if (page.afterSeq !== undefined) q = q.where('seq', '>', page.afterSeq);
  if (page.beforeSeq !== undefined) q = q.where('seq', '<', page.beforeSeq);
  return q
    .orderBy('seq', page.beforeSeq !== undefined ? 'desc' : 'asc')
    .limit(page.limit)
    .execute();
}
