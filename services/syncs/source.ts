/**
 * What a sync run reads and how it fills `_supaglue_mapped_data`: an object sync reads its own object
 * through the object's field mapping; an entity sync reads the provider object the connection's
 * merged entity mapping names (the customer's mapping over the developer's) through its fields.
 */
import type { ConnectionEntityMappingInput } from '../catalog/mapping-inputs';
import type { Db } from '../../db/connection';
import { NotFoundError, UnprocessableError } from '../../lib/errors';
import { findConnectionById, findProviderById } from '../../db/repositories/connections';
import { findEntity } from '../../db/repositories/entity-mappings';
import type { ServiceDeps } from '../deps';
import { mergeEntityMappings, type MergedEntityMapping } from '../catalog/entity-mappings';
import { getObjectFieldMapping } from '../catalog/field-mappings';
import type { SyncContext } from './context';

export interface SyncSource {
  object: string;
  objectType: 'common' | 'standard' | 'custom';
  /** mapped data field → provider field; null: no mapping (mapped data is `{}`). */
  mapping: Record<string, string> | null;
}

/** Pure: the provider object and fields a merged entity mapping reads. Entity fields nobody mapped are absent from the mapped data. */
export function entitySourceOf(merged: MergedEntityMapping): SyncSource {
  if (!merged.object) {
    throw new UnprocessableError(
      `entity "${merged.entity_name}" has no entity mapping on this connection: map it to a provider object in the provider's entity_mappings ` +
        `or with PUT /entity_mappings/${merged.entity_id} for this connection, then resume the sync`,
    );
  }
  const mapping: Record<string, string> = {};
  for (const f of merged.field_mappings) if (f.mapped_field) mapping[f.entity_field] = f.mapped_field;
  return { object: merged.object.name, objectType: merged.object.type, mapping };
}

async function resolveEntitySource(db: Db, applicationId: string, connectionId: string, entityId: string): Promise<SyncSource> {
  const [connection, entity] = await Promise.all([findConnectionById(db, applicationId, connectionId), findEntity(db, applicationId, entityId)]);
  if (!connection) throw new NotFoundError('Connection', `connection ${connectionId} not found`);
  // Entities a sync uses cannot be deleted through the API; this guards a row changed by hand.
  if (!entity) throw new UnprocessableError(`entity ${entityId} no longer exists; remove it from the sync config`);
  const provider = await findProviderById(db, applicationId, connection.provider_id);
  const [merged] = mergeEntityMappings(
    [entity],
    (provider?.entity_mappings ?? []) as ConnectionEntityMappingInput[],
    (connection.entity_mappings ?? []) as ConnectionEntityMappingInput[],
  );
  return entitySourceOf(merged!);
}

export async function resolveSyncSource(deps: ServiceDeps, ctx: SyncContext): Promise<SyncSource> {
  if (ctx.type === 'entity') return resolveEntitySource(deps.db, ctx.application_id, ctx.connection_id, ctx.entity_id ?? '');
  const objectType = ctx.object_type ?? 'standard';
  const object = ctx.object ?? '';
  // Custom objects have no schemas, hence no field mapping.
  const mapping = objectType === 'custom' ? null : await getObjectFieldMapping(deps, ctx.application_id, ctx.connection_id, objectType, object);
  return { object, objectType, mapping };
}
