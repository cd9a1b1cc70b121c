import { sql } from 'kysely';
import type { Db } from '../db/connection';
import { countApplications } from '../db/repositories/applications';

export function createSystemActivities(deps: { db: Db }) {
  return {
    async checkDatabase(): Promise<{ applications: number; databaseTime: string }> {
      const { rows } = await sql<{ now: Date }>`select now() as now`.execute(deps.db);
      return { applications: await countApplications(deps.db), databaseTime: rows[0]!.now.toISOString() };
    },
  };
}

export type SystemActivities = ReturnType<typeof createSystemActivities>;
