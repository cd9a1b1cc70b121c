/**
 * A customer's connections, filtered (verification state, provider, a text search over name,
 * identifier and provider name) and paged: by cursor for /mgmt/v2, by page number for the
 * integrations API. Oldest first, as the unpaged list has always been.
 */
import type { ConnectionWithCustomer } from '../../db/repositories/connections';
import type { IntegrationState } from '../../db/database';
import { filteredConnectionsQuery, type ConnectionListFilters } from '../../db/repositories/integrations';
import { keysetPage } from '../../db/repositories/keyset';
import { pageRequest, type Page } from '../../lib/pagination';
import { getCustomerOrThrow } from '../tenants/customers';
import type { ServiceDeps } from '../deps';
import { toConnectionResponse } from './connections';

export interface ConnectionFilters {
  states?: IntegrationState[];
  providerName?: string;
  search?: string;
}

const ORDER = { at: 'connections.created_at', id: 'connections.id', newestFirst: false };

async function query(deps: ServiceDeps, applicationId: string, externalCustomerId: string, filters: ConnectionFilters) {
  const customer = await getCustomerOrThrow(deps, applicationId, externalCustomerId);
  const f: ConnectionListFilters = { customerId: customer.id, ...filters };
  return filteredConnectionsQuery(deps.db, applicationId, f);
}

export async function listConnectionsPage<T>(
  deps: ServiceDeps,
  applicationId: string,
  externalCustomerId: string,
  filters: ConnectionFilters,
  page: { cursor?: string; page_size?: string },
  shape: (row: ConnectionWithCustomer) => T,
): Promise<Page<T>> {
  const request = pageRequest(page);
  return keysetPage(await query(deps, applicationId, externalCustomerId, filters), ORDER, request, shape);
}

/** Page `number` (from 1) of `size` rows. */
export async function listConnectionsNumbered(
  deps: ServiceDeps,
  applicationId: string,
  externalCustomerId: string,
  filters: ConnectionFilters,
  page: { number: number; size: number },
): Promise<ConnectionWithCustomer[]> {
  return (await query(deps, applicationId, externalCustomerId, filters))
    .orderBy('connections.created_at')
    .orderBy('connections.id')
    .offset((page.number - 1) * page.size)
    .limit(page.size)
    .execute();
}

/** A connection as the paged /mgmt/v2 list shows it: with its integration id and verification state. */
export function toConnectionListItem(row: ConnectionWithCustomer) {
  return { ...toConnectionResponse(row), integration_id: row.public_id, integration_state: row.integration_state, integration_state_reason: row.integration_state_reason };
}
