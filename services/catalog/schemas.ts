import type { Selectable } from 'kysely';
import { ConflictError, NotFoundError } from '../../lib/errors';
import type { SchemasTable } from '../../db/database';
import * as repo from '../../db/repositories/schemas';
import { providersUsingSchema } from '../../db/repositories/providers';
import type { ServiceDeps } from '../deps';
import { isUniqueViolation } from '../../lib/ids';

export type SchemaRow = Selectable<SchemasTable>;

export interface SchemaConfig {
  fields: Array<{ name: string; mapped_name?: string }>;
  allow_additional_field_mappings: boolean;
}

export interface SchemaInput {
  name: string;
  config: SchemaConfig;
}

export function toSchemaResponse(row: SchemaRow) {
  return { id: row.id, application_id: row.application_id, name: row.name, config: row.config as unknown as SchemaConfig };
}

export async function getSchemaOrThrow(deps: ServiceDeps, applicationId: string, schemaId: string): Promise<SchemaRow> {
  const row = await repo.findSchema(deps.db, applicationId, schemaId);
  if (!row) throw new NotFoundError('Schema', `Schema ${schemaId} not found`);
  return row;
}

export async function listSchemas(deps: ServiceDeps, applicationId: string) {
  return (await repo.listSchemas(deps.db, applicationId)).map(toSchemaResponse);
}

export async function getSchema(deps: ServiceDeps, applicationId: string, schemaId: string) {
  return toSchemaResponse(await getSchemaOrThrow(deps, applicationId, schemaId));
}

export async function createSchema(deps: ServiceDeps, applicationId: string, input: SchemaInput) {
  try {
    const row = await repo.insertSchema(deps.db, { application_id: applicationId, name: input.name, config: JSON.stringify(input.config) });
    return toSchemaResponse(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`A schema named "${input.name}" already exists`);
    throw err;
  }
}

export async function updateSchema(deps: ServiceDeps, applicationId: string, schemaId: string, input: SchemaInput) {
  let row: SchemaRow | undefined;
  try {
    row = await repo.updateSchema(deps.db, applicationId, schemaId, { name: input.name, config: JSON.stringify(input.config) });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`A schema named "${input.name}" already exists`);
    throw err;
  }
  if (!row) throw new NotFoundError('Schema', `Schema ${schemaId} not found`);
  return toSchemaResponse(row);
}

/** Refuses (409) while a provider's `objects` still point at the schema. */
export async function deleteSchema(deps: ServiceDeps, applicationId: string, schemaId: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const schema = await repo.findSchema(trx, applicationId, schemaId);
    if (!schema) throw new NotFoundError('Schema', `Schema ${schemaId} not found`);
    // Lock the application's providers against a concurrent update adding a reference.
    await trx.selectFrom('providers').select('id').where('application_id', '=', applicationId).forUpdate().execute();
    const users = await providersUsingSchema(trx, applicationId, schema.id);
    if (users.length > 0) {
      throw new ConflictError(`Schema ${schemaId} is used by the objects of provider(s) ${users.join(', ')}; remove it from them first`);
    }
    await repo.deleteSchema(trx, applicationId, schema.id);
  });
}
