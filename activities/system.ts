import type { ServiceDeps } from '../services/deps';
import { checkDatabase } from '../services/system';

export function createSystemActivities(deps: Pick<ServiceDeps, 'db'>) {
  return {
    checkDatabase: (): Promise<{ applications: number; databaseTime: string }> => checkDatabase(deps.db),
  };
}

export type SystemActivities = ReturnType<typeof createSystemActivities>;
