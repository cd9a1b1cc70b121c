/** Async jobs (extension). Status moves queued → running → succeeded | failed, never back. */
import type { Db } from '../connection';

export type JobRow = NonNullable<Awaited<ReturnType<typeof findJob>>>;

export function findJob(db: Db, applicationId: string, id: string) {
  return db.selectFrom('jobs').selectAll().where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}

/** By id alone: for activities, which get only the job id. */
export function findJobById(db: Db, id: string) {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

export function insertDestinationTestJob(db: Db, values: { application_id: string; destination_id: string; destination_version: number }) {
  return db
    .insertInto('jobs')
    .values({ ...values, type: 'destination_test', status: 'queued' })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** queued → running (a retried attempt finds it running already). Undefined once the job is finished. */
export function markJobRunning(db: Db, id: string) {
  const now = new Date();
  return db
    .updateTable('jobs')
    .set((eb) => ({ status: 'running', updated_at: now, started_at: eb.fn.coalesce('started_at', eb.val(now)) }))
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'running'])
    .returningAll()
    .executeTakeFirst();
}

/** The terminal transition; a job that is already finished keeps its outcome. */
export function finishJob(db: Db, id: string, outcome: { status: 'succeeded' | 'failed'; error: string | null; tested_version?: number | null }) {
  const now = new Date();
  return db
    .updateTable('jobs')
    .set({
      status: outcome.status,
      error: outcome.error,
      ...(outcome.tested_version !== undefined ? { tested_version: outcome.tested_version } : {}),
      updated_at: now,
      finished_at: now,
    })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'running'])
    .returningAll()
    .executeTakeFirst();
}
