import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AuthedEnv } from '../deps';
import { customerRoutes } from './customers';

/** One sub-app per resource, all mounted under /mgmt/v2. */
export function mountManagementRoutes(mgmt: OpenAPIHono<AuthedEnv>, deps: AppDeps): void {
  mgmt.route('/', customerRoutes(deps));
}
