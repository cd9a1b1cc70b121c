import { ConflictError } from '../../lib/errors';
import { lockProvidersOfApplication, providersUsingEntity } from '../../db/repositories/providers';
import { countSyncsOfEntity, listSyncIdsOfEntity } from '../../db/repositories/syncs';
import type { ServiceDeps } from '../deps';
import { applySchedules } from '../syncs/syncs';
import { namedConfigs, type NamedConfigInput } from './named-configs';

export interface EntityConfig {
  fields: Array<{ name: string }>;
  allow_additional_field_mappings: boolean;
}

export type EntityInput = NamedConfigInput<EntityConfig>;

const entities = namedConfigs<EntityConfig>({ table: 'entities', resource: 'Entity', indefinite: 'An entity' });

export const listEntities = entities.list;
export const getEntity = entities.get;
export const createEntity = entities.create;

export async function updateEntity(deps: ServiceDeps, applicationId: string, entityId: string, input: EntityInput) {
  const entity = await entities.update(deps, applicationId, entityId, input);
  // Its syncs' schedules carry the entity's name (search attribute Object, the runs' memo); the reconciler repairs a miss.
  const syncIds = await listSyncIdsOfEntity(deps.db, applicationId, entity.id);
  await applySchedules(deps, syncIds).catch((err) =>
    deps.logger.warn({ err: (err as Error).message, entityId: entity.id }, 'entity sync schedules not updated; the reconciler will'),
  );
  return entity;
}

/** Refuses (409) while a provider's entity mappings or a sync still use the entity. */
export function deleteEntity(deps: ServiceDeps, applicationId: string, entityId: string): Promise<void> {
  return entities.delete(deps, applicationId, entityId, async (trx, entity) => {
    await lockProvidersOfApplication(trx, applicationId);
    const users = await providersUsingEntity(trx, applicationId, entity.id);
    if (users.length > 0) {
      throw new ConflictError(`Entity ${entityId} is used by the entity mappings of provider(s) ${users.join(', ')}; remove it from them first`);
    }
    const syncs = await countSyncsOfEntity(trx, applicationId, entity.id);
    if (syncs > 0) throw new ConflictError(`Entity ${entityId} is synced by ${syncs} sync(s); remove it from the sync config first`);
  });
}
