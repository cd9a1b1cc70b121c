import { NotFoundError } from '../../lib/errors';
import type { CustomersTable } from '../../db/database';
import * as repo from '../../db/repositories/customers';
import { listSyncIdsOfCustomer } from '../../db/repositories/syncs';
import type { Selectable } from 'kysely';
import type { ServiceDeps } from '../deps';
import { deleteSyncSchedules } from '../syncs/syncs';
import { listConnectionsForCustomer } from '../../db/repositories/connections';
import { forgetRateLimits } from '../connections/shared-rate-limits';

export type CustomerRow = Selectable<CustomersTable>;

export function toCustomerResponse(row: CustomerRow) {
  return { application_id: row.application_id, customer_id: row.external_id, name: row.name, email: row.email };
}

export async function getCustomerOrThrow(deps: ServiceDeps, applicationId: string, customerId: string): Promise<CustomerRow> {
  const row = await repo.findCustomer(deps.db, applicationId, customerId);
  if (!row) throw new NotFoundError('Customer', `Customer ${customerId} not found`);
  return row;
}

export async function listCustomers(deps: ServiceDeps, applicationId: string) {
  return (await repo.listCustomers(deps.db, applicationId)).map(toCustomerResponse);
}

export async function getCustomer(deps: ServiceDeps, applicationId: string, customerId: string) {
  return toCustomerResponse(await getCustomerOrThrow(deps, applicationId, customerId));
}

export async function upsertCustomer(deps: ServiceDeps, applicationId: string, input: { customer_id: string; name: string; email: string }) {
  const row = await repo.upsertCustomer(deps.db, {
    application_id: applicationId,
    external_id: input.customer_id,
    name: input.name,
    email: input.email,
  });
  return toCustomerResponse(row);
}

/** Deletes the customer, its connections and their syncs (rows first, then their Temporal schedules). */
export async function deleteCustomer(deps: ServiceDeps, applicationId: string, customerId: string): Promise<void> {
  const customer = await getCustomerOrThrow(deps, applicationId, customerId);
  const { syncIds, connectionIds } = await deps.db.transaction().execute(async (trx) => {
    const syncIds = await listSyncIdsOfCustomer(trx, applicationId, customer.id);
    const connectionIds = (await listConnectionsForCustomer(trx, applicationId, customer.id)).map((c) => c.id);
    await repo.deleteCustomer(trx, applicationId, customer.id);
    return { syncIds, connectionIds };
  });
  await deleteSyncSchedules(deps, syncIds);
  await forgetRateLimits(deps, connectionIds);
}
