/**
 * Per-connection overrides of the sync config (objects to sync, destination schema/dataset,
 * table names), stored in connections.connection_sync_config. The sync engine applies them.
 */
import { InvalidInputError, NotFoundError } from '../../lib/errors';
import type { ConnectionSyncConfigInput } from './inputs';
import * as repo from '../../db/repositories/connection-sync-configs';
import { getConnectionByHeadersOrThrow } from './connections';
import type { ServiceDeps } from '../deps';
import { reconcileConnectionSyncs } from '../syncs/syncs';

export async function getConnectionSyncConfig(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string) {
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, customerId, providerName);
  if (!connection.connection_sync_config) {
    throw new NotFoundError('Connection sync config', `No connection sync config for the ${providerName} connection of customer ${customerId}`);
  }
  return connection.connection_sync_config as ConnectionSyncConfigInput;
}

export async function upsertConnectionSyncConfig(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string, input: ConnectionSyncConfigInput) {
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, customerId, providerName);
  if (input.destination_config) {
    const destinationType = await repo.findSyncConfigDestinationType(deps.db, applicationId, connection.provider_id);
    if (destinationType && destinationType !== input.destination_config.type) {
      throw new InvalidInputError(`destination_config.type is ${input.destination_config.type} but the ${providerName} sync config writes to a ${destinationType} destination`);
    }
  }
  const config: ConnectionSyncConfigInput = {
    ...(input.destination_config ? { destination_config: input.destination_config } : {}),
    ...(input.standard_objects ? { standard_objects: input.standard_objects } : {}),
    ...(input.custom_objects ? { custom_objects: input.custom_objects } : {}),
  };
  await repo.setConnectionSyncConfig(deps.db, applicationId, connection.id, config);
  await reconcileConnectionSyncs(deps, applicationId, connection.id);
  return config;
}

export async function deleteConnectionSyncConfig(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string): Promise<void> {
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, customerId, providerName);
  await repo.setConnectionSyncConfig(deps.db, applicationId, connection.id, null);
  await reconcileConnectionSyncs(deps, applicationId, connection.id);
}
