/** What the system checks say about the database: reachable, its clock, how many applications. */
import type { Db } from '../db/connection';
import { countApplications } from '../db/repositories/applications';
import { databaseTime } from '../db/repositories/system';

export async function checkDatabase(db: Db): Promise<{ applications: number; databaseTime: string }> {
  const [now, applications] = await Promise.all([databaseTime(db), countApplications(db)]);
  return { applications, databaseTime: now.toISOString() };
}

export async function pingDatabase(db: Db): Promise<void> {
  await databaseTime(db);
}
