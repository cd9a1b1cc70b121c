import type { Client, Connection } from '@temporalio/client';
import type { Db } from '../db/connection';
import type { Logger } from '../lib/logger';

/** What the HTTP layer is given by the composition root; routes reach everything else through services. */
export interface AppDeps {
  db: Db;
  temporal: { client: Client; connection: Connection; taskQueue: string };
  logger: Logger;
}

export interface AuthedVariables {
  applicationId: string;
}
