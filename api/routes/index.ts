import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AuthedEnv } from '../deps';
import { customerRoutes } from './customers';
import { entityRoutes } from './entities';
import { providerRoutes } from './providers';
import { schemaRoutes } from './schemas';

/** One sub-app per resource, all mounted under /mgmt/v2. */
export function mountManagementRoutes(mgmt: OpenAPIHono<AuthedEnv>, deps: AppDeps): void {
  mgmt.route('/', customerRoutes(deps));
  mgmt.route('/', providerRoutes(deps));
  mgmt.route('/', schemaRoutes(deps));
  mgmt.route('/', entityRoutes(deps));
}
