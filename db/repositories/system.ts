import { sql } from 'kysely';
import type { Db } from '../connection';

/** The database's clock: one round trip, which is also what a readiness check needs. */
export async function databaseTime(db: Db): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`select now() as now`.execute(db);
  return rows[0]!.now;
}
