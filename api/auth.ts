import type { MiddlewareHandler } from 'hono';
import { authenticateApiKey } from '../services/tenants/applications';
import type { AppDeps, AuthedVariables } from './deps';
import { unauthorized } from './errors';

/** Resolves `x-api-key` to the application every resource is scoped to. */
export function apiKeyAuth(deps: AppDeps): MiddlewareHandler<{ Variables: AuthedVariables }> {
  return async (c, next) => {
    const key = c.req.header('x-api-key');
    if (!key) throw unauthorized();
    const app = await authenticateApiKey(deps.db, key);
    if (!app) throw unauthorized('Unknown API key');
    c.set('applicationId', app.id);
    await next();
  };
}
