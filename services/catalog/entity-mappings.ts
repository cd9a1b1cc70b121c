/**
 * Entity mappings: which provider object and fields feed an entity, set by the developer on the
 * provider (providers.entity_mappings) and overridden per connection by the customer
 * (connections.entity_mappings).
 */
import { InvalidInputError, NotFoundError } from '../../lib/errors';
import type { ConnectionEntityMappingInput } from './mapping-inputs';
import * as connectionsRepo from '../../db/repositories/connections';
import * as repo from '../../db/repositories/entity-mappings';
import { getConnectionByHeadersOrThrow } from '../connections/connections';
import type { ServiceDeps } from '../deps';
import { requestEntityFullRefresh } from '../syncs/entities';
import { recordEvent } from '../webhooks/events';
import { isUuid } from '../../lib/ids';

type From = 'developer' | 'customer';

interface EntityConfig {
  fields: Array<{ name: string }>;
  allow_additional_field_mappings?: boolean;
}

export interface MergedEntityMapping {
  entity_id: string;
  entity_name: string;
  allow_additional_field_mappings: boolean;
  object?: { type: 'standard' | 'custom'; name: string; from: From };
  field_mappings: Array<{ entity_field: string; mapped_field?: string; from?: From; is_additional: boolean }>;
}

function asEntityConfig(config: Record<string, unknown>): EntityConfig {
  const fields = Array.isArray(config.fields) ? (config.fields as EntityConfig['fields']) : [];
  return { fields, allow_additional_field_mappings: config.allow_additional_field_mappings === true };
}

/** Pure: every entity with the developer's then the customer's mapping laid over it. */
export function mergeEntityMappings(
  entities: Array<{ id: string; name: string; config: Record<string, unknown> }>,
  providerMappings: ConnectionEntityMappingInput[],
  connectionMappings: ConnectionEntityMappingInput[],
): MergedEntityMapping[] {
  const merged = entities.map((e): MergedEntityMapping => {
    const config = asEntityConfig(e.config);
    return {
      entity_id: e.id,
      entity_name: e.name,
      allow_additional_field_mappings: config.allow_additional_field_mappings ?? false,
      field_mappings: config.fields.map((f) => ({ entity_field: f.name, is_additional: false })),
    };
  });
  for (const [mappings, from] of [
    [providerMappings, 'developer'],
    [connectionMappings, 'customer'],
  ] as const) {
    for (const mapping of mappings) {
      const target = merged.find((m) => m.entity_id === mapping.entity_id);
      if (!target) continue; // mapping of a deleted entity
      if (mapping.object) target.object = { ...mapping.object, from };
      for (const fm of mapping.field_mappings ?? []) {
        const existing = target.field_mappings.find((f) => f.entity_field === fm.entity_field);
        if (existing) Object.assign(existing, { mapped_field: fm.mapped_field, from });
        else target.field_mappings.push({ entity_field: fm.entity_field, mapped_field: fm.mapped_field, from, is_additional: true });
      }
    }
  }
  return merged;
}

export async function listEntityMappings(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string) {
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, customerId, providerName);
  const provider = await connectionsRepo.findProviderById(deps.db, applicationId, connection.provider_id);
  const entities = await repo.listEntities(deps.db, applicationId);
  return mergeEntityMappings(entities, (provider?.entity_mappings ?? []) as ConnectionEntityMappingInput[], (connection.entity_mappings ?? []) as ConnectionEntityMappingInput[]);
}

async function getEntityOrThrow(deps: ServiceDeps, applicationId: string, entityId: string) {
  const entity = isUuid(entityId) ? await repo.findEntity(deps.db, applicationId, entityId) : undefined;
  if (!entity) throw new NotFoundError('Entity', `Entity ${entityId} not found`);
  return entity;
}

function validateEntityMapping(config: EntityConfig, input: ConnectionEntityMappingInput): void {
  const known = new Set(config.fields.map((f) => f.name));
  const seen = new Set<string>();
  const targets = new Map<string, string>();
  for (const [i, m] of (input.field_mappings ?? []).entries()) {
    const invalid = (key: 'entity_field' | 'mapped_field', message: string) =>
      new InvalidInputError(message, { issues: [{ path: `field_mappings.${i}.${key}`, message, code: 'invalid_field_mapping' }] });
    if (seen.has(m.entity_field)) throw invalid('entity_field', `Field ${m.entity_field} is mapped more than once`);
    seen.add(m.entity_field);
    if (!known.has(m.entity_field) && !config.allow_additional_field_mappings) {
      throw invalid('entity_field', `Field ${m.entity_field} is not a field of the entity`);
    }
    const other = targets.get(m.mapped_field);
    if (other !== undefined) throw invalid('mapped_field', `Fields ${other} and ${m.entity_field} both map to provider field ${m.mapped_field}`);
    targets.set(m.mapped_field, m.entity_field);
  }
}

/** Sets the customer's mapping of one entity, with an entity.entity_mapping.created/updated event in the same transaction. */
export async function upsertEntityMapping(
  deps: ServiceDeps,
  applicationId: string,
  customerId: string,
  providerName: string,
  entityId: string,
  input: ConnectionEntityMappingInput,
): Promise<void> {
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, customerId, providerName);
  const entity = await getEntityOrThrow(deps, applicationId, entityId);
  if (input.entity_id !== entityId) throw new InvalidInputError(`entity_id in the body (${input.entity_id}) differs from the path (${entityId})`);
  validateEntityMapping(asEntityConfig(entity.config), input);
  const mapping: ConnectionEntityMappingInput = {
    entity_id: entity.id,
    ...(input.object ? { object: input.object } : {}),
    ...(input.field_mappings ? { field_mappings: input.field_mappings } : {}),
  };

  await deps.db.transaction().execute(async (trx) => {
    const row = await connectionsRepo.findConnectionByIdForUpdate(trx, applicationId, connection.id);
    if (!row) throw new NotFoundError('Connection');
    const existing = (row.entity_mappings ?? []) as ConnectionEntityMappingInput[];
    const isNew = !existing.some((m) => m.entity_id === entity.id);
    await repo.setConnectionEntityMappings(trx, applicationId, connection.id, [...existing.filter((m) => m.entity_id !== entity.id), mapping]);
    await requestEntityFullRefresh(trx, applicationId, [entity.id], { connectionId: connection.id });
    await recordEvent(trx, applicationId, isNew ? 'entity.entity_mapping.created' : 'entity.entity_mapping.updated', {
      entity_id: entity.id,
      application_id: applicationId,
      connection_id: connection.id,
      customer_id: connection.external_customer_id,
      provider_name: connection.provider_name,
      object_name: mapping.object?.name,
      object_type: mapping.object?.type,
      result: 'SUCCESS',
    });
  });
}

/** Removes the customer's mapping of one entity (404 if there is none), with an entity.entity_mapping.deleted event. */
export async function deleteEntityMapping(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string, entityId: string): Promise<void> {
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, customerId, providerName);
  const notMapped = () => new NotFoundError('Entity mapping', `No entity mapping for entity ${entityId} on this connection`);
  if (!isUuid(entityId)) throw notMapped();
  await deps.db.transaction().execute(async (trx) => {
    const row = await connectionsRepo.findConnectionByIdForUpdate(trx, applicationId, connection.id);
    if (!row) throw new NotFoundError('Connection');
    const existing = (row.entity_mappings ?? []) as ConnectionEntityMappingInput[];
    const deleted = existing.find((m) => m.entity_id === entityId);
    if (!deleted) throw notMapped();
    await repo.setConnectionEntityMappings(
      trx,
      applicationId,
      connection.id,
      existing.filter((m) => m.entity_id !== entityId),
    );
    await requestEntityFullRefresh(trx, applicationId, [entityId], { connectionId: connection.id });
    await recordEvent(trx, applicationId, 'entity.entity_mapping.deleted', {
      entity_id: entityId,
      application_id: applicationId,
      connection_id: connection.id,
      customer_id: connection.external_customer_id,
      provider_name: connection.provider_name,
      object_name: deleted.object?.name,
      object_type: deleted.object?.type,
      result: 'SUCCESS',
    });
  });
}
