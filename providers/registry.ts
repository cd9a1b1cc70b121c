/**
 * Resolves a provider name to a live connection: an application's published
 * declarative connector, or a built-in provider.
 */
import type { Db } from '../db/connection';
import { findConnector } from '../db/repositories/connectors';
import { createDeclarativeConnection } from './declarative/connector';
import { UnknownProviderError } from './errors';
import { createHubspotConnection } from './hubspot';
import { createPipedriveConnection } from './pipedrive';
import { createSalesforceConnection } from './salesforce';
import type { HttpRuntime } from './runtime';
import type { ConnectionContext, ProviderConnection } from './types';

export type BuiltInProvider = (ctx: ConnectionContext, runtime?: HttpRuntime) => ProviderConnection;

/** Built-in providers by name (CRMs register here). */
const builtIns = new Map<string, BuiltInProvider>();

export function registerBuiltInProvider(name: string, factory: BuiltInProvider): void {
  builtIns.set(name, factory);
}

export function isBuiltInProvider(name: string): boolean {
  return builtIns.has(name);
}

/** `runtime`: the HTTP runtime to use (the process-wide default when omitted; tests pass faster ones). */
export async function openProviderConnection(db: Db, ctx: ConnectionContext, runtime?: HttpRuntime): Promise<ProviderConnection> {
  const connector = await findConnector(db, ctx.applicationId, ctx.providerName);
  if (connector) return createDeclarativeConnection(connector.definition, ctx, runtime);
  const builtIn = builtIns.get(ctx.providerName);
  if (builtIn) return builtIn(ctx, runtime);
  throw new UnknownProviderError(ctx.providerName);
}

// Built-in CRM providers.
registerBuiltInProvider('hubspot', createHubspotConnection);
registerBuiltInProvider('salesforce', createSalesforceConnection);
registerBuiltInProvider('pipedrive', createPipedriveConnection);
