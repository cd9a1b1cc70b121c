import type { Selectable } from 'kysely';
import { sql } from 'kysely';
import { ConflictError, NotFoundError } from '../../lib/errors';
import type { EntitiesTable } from '../../db/database';
import * as repo from '../../db/repositories/entities';
import { providersUsingEntity } from '../../db/repositories/providers';
import type { ServiceDeps } from '../deps';
import { isUniqueViolation } from '../../lib/ids';
import { applySchedules } from '../syncs/syncs';

export type EntityRow = Selectable<EntitiesTable>;

export interface EntityConfig {
  fields: Array<{ name: string }>;
  allow_additional_field_mappings: boolean;
}

export interface EntityInput {
  name: string;
  config: EntityConfig;
}

export function toEntityResponse(row: EntityRow) {
  return { id: row.id, application_id: row.application_id, name: row.name, config: row.config as unknown as EntityConfig };
}

export async function getEntityOrThrow(deps: ServiceDeps, applicationId: string, entityId: string): Promise<EntityRow> {
  const row = await repo.findEntity(deps.db, applicationId, entityId);
  if (!row) throw new NotFoundError('Entity', `Entity ${entityId} not found`);
  return row;
}

export async function listEntities(deps: ServiceDeps, applicationId: string) {
  return (await repo.listEntities(deps.db, applicationId)).map(toEntityResponse);
}

export async function getEntity(deps: ServiceDeps, applicationId: string, entityId: string) {
  return toEntityResponse(await getEntityOrThrow(deps, applicationId, entityId));
}

export async function createEntity(deps: ServiceDeps, applicationId: string, input: EntityInput) {
  try {
    const row = await repo.insertEntity(deps.db, { application_id: applicationId, name: input.name, config: JSON.stringify(input.config) });
    return toEntityResponse(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`An entity named "${input.name}" already exists`);
    throw err;
  }
}

export async function updateEntity(deps: ServiceDeps, applicationId: string, entityId: string, input: EntityInput) {
  let row: EntityRow | undefined;
  try {
    row = await repo.updateEntity(deps.db, applicationId, entityId, { name: input.name, config: JSON.stringify(input.config) });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`An entity named "${input.name}" already exists`);
    throw err;
  }
  if (!row) throw new NotFoundError('Entity', `Entity ${entityId} not found`);
  // Its syncs' schedules carry the entity's name (search attribute Object, the runs' memo); the reconciler repairs a miss.
  const syncs = await deps.db.selectFrom('syncs').select('id').where('application_id', '=', applicationId).where('entity_id', '=', row.id).execute();
  await applySchedules(deps, syncs.map((s) => s.id)).catch((err) =>
    deps.logger.warn({ err: (err as Error).message, entityId: row!.id }, 'entity sync schedules not updated; the reconciler will'),
  );
  return toEntityResponse(row);
}

/** Refuses (409) while a provider's entity mappings or a sync still use the entity. */
export async function deleteEntity(deps: ServiceDeps, applicationId: string, entityId: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const entity = await repo.findEntity(trx, applicationId, entityId);
    if (!entity) throw new NotFoundError('Entity', `Entity ${entityId} not found`);
    await trx.selectFrom('providers').select('id').where('application_id', '=', applicationId).forUpdate().execute();
    const users = await providersUsingEntity(trx, applicationId, entity.id);
    if (users.length > 0) {
      throw new ConflictError(`Entity ${entityId} is used by the entity mappings of provider(s) ${users.join(', ')}; remove it from them first`);
    }
    const syncs = await trx
      .selectFrom('syncs')
      .select(sql<number>`count(*)`.as('n'))
      .where('application_id', '=', applicationId)
      .where('entity_id', '=', entity.id)
      .executeTakeFirstOrThrow();
    if (Number(syncs.n) > 0) throw new ConflictError(`Entity ${entityId} is synced by ${syncs.n} sync(s); remove it from the sync config first`);
    await repo.deleteEntity(trx, applicationId, entity.id);
  });
}
