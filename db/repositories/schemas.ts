import type { Db } from '../connection';
import { existingNamedConfigIds } from './named-configs';

/** The ids among `ids` that name schemas of the application (their CRUD: named-configs.ts). */
export const existingSchemaIds = (db: Db, applicationId: string, ids: string[]) => existingNamedConfigIds(db, 'schemas', applicationId, ids);
