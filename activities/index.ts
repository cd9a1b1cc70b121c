import type { Db } from '../db/connection';
import type { Logger } from '../lib/logger';
import { createSystemActivities } from './system';

export interface ActivityDeps {
  db: Db;
  logger: Logger;
}

/** Every activity the worker registers, built from injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSystemActivities(deps),
  };
}
