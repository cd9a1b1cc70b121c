/**
 * Resolves a provider name to a live connection: an application's published
 * declarative connector, or a built-in provider.
 */
import { createDeclarativeConnection } from './declarative/connector';
import { UnknownProviderError } from './errors';
import { createHubspotConnection, HUBSPOT_OAUTH } from './hubspot';
import { createPipedriveConnection, PIPEDRIVE_OAUTH } from './pipedrive';
import { createSalesforceConnection, SALESFORCE_OAUTH } from './salesforce';
import type { HttpRuntime } from './runtime';
import type { ConnectionContext, ConnectorLookup, OAuthProfile, ProviderConnection } from './types';

export type BuiltInProvider = (ctx: ConnectionContext, runtime?: HttpRuntime) => ProviderConnection;

/** Built-in providers by name (CRMs register here). */
const builtIns = new Map<string, BuiltInProvider>();
const oauthProfiles = new Map<string, OAuthProfile>();

/** `oauth`: how customers authorize it through the hosted connect, for providers that use OAuth2. */
export function registerBuiltInProvider(name: string, factory: BuiltInProvider, oauth?: OAuthProfile): void {
  builtIns.set(name, factory);
  if (oauth) oauthProfiles.set(name, oauth);
}

/** The built-in provider's OAuth2 flow; undefined when it has none. */
export function builtInOAuthProfile(name: string): OAuthProfile | undefined {
  return oauthProfiles.get(name);
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
registerBuiltInProvider('hubspot', createHubspotConnection, HUBSPOT_OAUTH);
registerBuiltInProvider('salesforce', createSalesforceConnection, SALESFORCE_OAUTH);
registerBuiltInProvider('pipedrive', createPipedriveConnection, PIPEDRIVE_OAUTH);
