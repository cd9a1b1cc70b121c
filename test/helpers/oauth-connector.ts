/**
 * A declarative oauth2 connector wired for hosted connect through the real API: the connector
 * (against a local authorization server and API simulator), its oauth2 provider holding the OAuth
 * client, a Postgres destination and a sync config that starts at once.
 */
import { postgresDestinationConfig } from './db';
import type { AuthzServer } from './oauth-authz-server';
import type { OAuthSim } from './oauth-sim';
import { ok, type Scenario } from './sync-scenario';

export async function setUpOAuthConnector(
  s: Pick<Scenario, 'tenant' | 'dest'>,
  o: { authz: AuthzServer; oauth: OAuthSim; apiUrl: string; destinationName: string; authorizationParams?: Record<string, string> },
): Promise<void> {
  await ok(
    s.tenant.request('PUT', '/connectors/acme-oauth', {
      body: {
        id: 'acme-oauth',
        name: 'Acme OAuth',
        base_url: o.apiUrl,
        auth: {
          type: 'oauth2',
          authorization_url: o.authz.authorizeUrl,
          token_url: o.authz.tokenUrl,
          scopes: ['contacts.read'],
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
        name: 'acme-oauth',
        config: { oauth: { oauth_scopes: [], credentials: { oauth_client_id: o.oauth.clientId, oauth_client_secret: o.oauth.clientSecret } } },
      },
    }),
    201,
  );
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
