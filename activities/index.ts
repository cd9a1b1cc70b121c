import type { Db } from '../db/connection';
import type { SecretBox } from '../lib/crypto';
import type { Logger } from '../lib/logger';
import { createSystemActivities } from './system';

export interface ActivityDeps {
  db: Db;
  logger: Logger;
  secrets: SecretBox;
}

/** Every activity the worker registers, built from injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSystemActivities(deps),
  };
}
