/**
 * Resolves a provider name to a live connection: an application's published
 * declarative connector, or a built-in provider.
 */
import { createDeclarativeConnection } from './declarative/connector';
import { UnknownProviderError } from './errors';
import { createHubspotConnection } from './hubspot';
import { createPipedriveConnection } from './pipedrive';
import { createSalesforceConnection } from './salesforce';
import type { HttpRuntime } from './runtime';
import type { ConnectionContext, ConnectorLookup, ProviderConnection } from './types';

export type BuiltInProvider = (ctx: ConnectionContext, runtime?: HttpRuntime) => ProviderConnection;

/** Built-in providers by name (CRMs register here). */
const builtIns = new Map<string, BuiltInProvider>();

export function registerBuiltInProvider(name: string, factory: BuiltInProvider): void {
  builtIns.set(name, factory);
}

export function isBuiltInProvider(name: string): boolean {
  return builtIns.has(name);
}

/**
 * A published connector of that name wins over a built-in provider.
 * `runtime`: the HTTP runtime to use (the process-wide default when omitted; tests pass faster ones).
 */
export async function openProviderConnection(connectors: ConnectorLookup, ctx: ConnectionContext, runtime?: HttpRuntime): Promise<ProviderConnection> {
  const definition = await connectors(ctx.applicationId, ctx.providerName);
  if (definition !== undefined) return createDeclarativeConnection(definition, ctx, runtime);
  const builtIn = builtIns.get(ctx.providerName);
  if (builtIn) return builtIn(ctx, runtime);
  throw new UnknownProviderError(ctx.providerName);
}

// Built-in CRM providers.
registerBuiltInProvider('hubspot', createHubspotConnection);
registerBuiltInProvider('salesforce', createSalesforceConnection);
registerBuiltInProvider('pipedrive', createPipedriveConnection);
