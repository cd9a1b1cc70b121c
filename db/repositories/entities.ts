import type { Db } from '../connection';
import { existingNamedConfigIds } from './named-configs';

/** The ids among `ids` that name entities of the application (their CRUD: named-configs.ts). */
export const existingEntityIds = (db: Db, applicationId: string, ids: string[]) => existingNamedConfigIds(db, 'entities', applicationId, ids);
