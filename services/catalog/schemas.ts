import { ConflictError } from '../../lib/errors';
import { lockProvidersOfApplication, providersUsingSchema } from '../../db/repositories/providers';
import type { ServiceDeps } from '../deps';
import { namedConfigs } from './named-configs';

export interface SchemaConfig {
  fields: Array<{ name: string; mapped_name?: string }>;
  allow_additional_field_mappings: boolean;
}

const schemas = namedConfigs<SchemaConfig>({ table: 'schemas', resource: 'Schema', indefinite: 'A schema' });

export const listSchemas = schemas.list;
export const getSchema = schemas.get;
export const createSchema = schemas.create;
export const updateSchema = schemas.update;

/** Refuses (409) while a provider's `objects` still point at the schema. */
export function deleteSchema(deps: ServiceDeps, applicationId: string, schemaId: string): Promise<void> {
  return schemas.delete(deps, applicationId, schemaId, async (trx, schema) => {
    // Lock the application's providers against a concurrent update adding a reference.
    await lockProvidersOfApplication(trx, applicationId);
    const users = await providersUsingSchema(trx, applicationId, schema.id);
    if (users.length > 0) {
      throw new ConflictError(`Schema ${schemaId} is used by the objects of provider(s) ${users.join(', ')}; remove it from them first`);
    }
  });
}
