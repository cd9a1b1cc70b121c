import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AuthedEnv } from '../deps';
import { customerRoutes } from './customers';
import { connectionRoutes } from './connections';
import { connectionSyncConfigRoutes } from './connection-sync-configs';
import { entityMappingRoutes } from './entity-mappings';
import { fieldMappingRoutes } from './field-mappings';
import { syncConfigRoutes } from './sync-configs';
import { destinationRoutes } from './destinations';
import { entityRoutes } from './entities';
import { magicLinkRoutes } from './magic-links';
import { providerRoutes } from './providers';
import { schemaRoutes } from './schemas';
import { syncRoutes } from './syncs';
import { webhookEndpointRoutes } from './webhook-endpoints';
import { webhookEventRoutes } from './webhook-events';
import { connectorRoutes } from './connectors';
import { discoverRoutes } from './discover';
import { jobRoutes } from './jobs';
import { writeRoutes } from './writes';
import { syncJobRoutes } from './sync-jobs';
import { tenantTokenKeyRoutes } from './tenant-token-key';

/** One sub-app per resource, all mounted under /mgmt/v2. */
export function mountManagementRoutes(mgmt: OpenAPIHono<AuthedEnv>, deps: AppDeps): void {
  mgmt.route('/', customerRoutes(deps));
  mgmt.route('/', connectionRoutes(deps));
  mgmt.route('/', syncConfigRoutes(deps));
  mgmt.route('/', connectionSyncConfigRoutes(deps));
  mgmt.route('/', fieldMappingRoutes(deps));
  mgmt.route('/', entityMappingRoutes(deps));
  mgmt.route('/', providerRoutes(deps));
  mgmt.route('/', schemaRoutes(deps));
  mgmt.route('/', entityRoutes(deps));
  mgmt.route('/', destinationRoutes(deps));
  mgmt.route('/', magicLinkRoutes(deps));
  mgmt.route('/', syncRoutes(deps));
  mgmt.route('/', webhookEndpointRoutes(deps));
  mgmt.route('/', webhookEventRoutes(deps));
  mgmt.route('/', connectorRoutes(deps));
  mgmt.route('/', discoverRoutes(deps));
  mgmt.route('/', jobRoutes(deps));
  mgmt.route('/', writeRoutes(deps));
  mgmt.route('/', syncJobRoutes(deps));
  mgmt.route('/', tenantTokenKeyRoutes(deps));
}
