import type { Selectable } from 'kysely';
import type { Db } from '../connection';
import type { SyncsTable } from '../database';

export type SyncRow = Selectable<SyncsTable>;

/** The syncs of one customer's connection to one provider, addressed as the API does (x-customer-id, x-provider-name). */
export function connectionSyncsQuery(db: Db, applicationId: string, customerId: string, providerName: string) {
  return db
    .selectFrom('syncs')
    .innerJoin('connections', 'connections.id', 'syncs.connection_id')
    .innerJoin('customers', 'customers.id', 'connections.customer_id')
    .selectAll('syncs')
    .where('syncs.application_id', '=', applicationId)
    .where('customers.external_id', '=', customerId)
    .where('connections.provider_name', '=', providerName);
}
