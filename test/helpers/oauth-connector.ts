/**
 * A declarative oauth2 connector wired for hosted connect through the real API: the connector
 * (against a local authorization server and API simulator), its oauth2 provider holding the OAuth
 * client, a Postgres destination and a sync config that starts at once.
 */
import { postgresDestinationConfig } from './db';
import type { AuthzServer } from './oauth-authz-server';
import type { OAuthSim } from './oauth-sim';
import { ok, type Scenario } from './sync-scenario';

interface OAuthConnectorOptions {
  authz: AuthzServer;
  oauth: OAuthSim;
  apiUrl: string;
  /** Connector id and provider name (default acme-oauth). */
  id?: string;
  name?: string;
  scopes?: string[];
  parameters?: Array<Record<string, unknown>>;
  authorizationParams?: Record<string, string>;
}

/** Publishes the oauth2 connector and the no_category oauth2 provider that holds its OAuth client. */
export async function publishOAuthConnector(s: Pick<Scenario, 'tenant'>, o: OAuthConnectorOptions): Promise<void> {
  const id = o.id ?? 'acme-oauth';
  await ok(
    s.tenant.request('PUT', `/connectors/${id}`, {
      body: {
        id,
        name: o.name ?? 'Acme OAuth',
        base_url: o.apiUrl,
        ...(o.parameters ? { parameters: o.parameters } : {}),
        auth: {
          type: 'oauth2',
          authorization_url: o.authz.authorizeUrl,
          token_url: o.authz.tokenUrl,
          ...(o.scopes ? { scopes: o.scopes } : {}),
          ...(o.authorizationParams ? { authorization_params: o.authorizationParams } : {}),
        },
        streams: [{ id: 'contacts', path: '/contacts', primary_key: 'id', records_selector: '$.data' }],
      },
    }),
    201,
  );
  await ok(
    s.tenant.request('POST', '/providers', {
      body: {
        auth_type: 'oauth2',
        category: 'no_category',
        name: id,
        config: { oauth: { oauth_scopes: [], credentials: { oauth_client_id: o.oauth.clientId, oauth_client_secret: o.oauth.clientSecret } } },
      },
    }),
    201,
  );
}

/** The acme-oauth connector ready to connect: published, with a Postgres destination and a sync config that starts at once. */
export async function setUpOAuthConnector(
  s: Pick<Scenario, 'tenant' | 'dest'>,
  o: Omit<OAuthConnectorOptions, 'id' | 'name' | 'scopes' | 'parameters'> & { destinationName: string },
): Promise<void> {
  await publishOAuthConnector(s, { ...o, scopes: ['contacts.read'] });
  await ok(s.tenant.request('POST', '/destinations', { body: { name: o.destinationName, type: 'postgres', config: postgresDestinationConfig(s.dest.url) } }), 201);
  await ok(
    s.tenant.request('POST', '/sync_configs', {
      body: {
        destination_name: o.destinationName,
        provider_name: 'acme-oauth',
        config: { default_config: { period_ms: 3_600_000, strategy: 'full only', auto_start_on_connection: true }, standard_objects: [{ object: 'contacts' }] },
      },
    }),
    201,
  );
}
