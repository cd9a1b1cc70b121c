/**
 * Who may call a Hotglue v2 path: the environment's own key (`x-api-key` of the application env_id
 * names) sees every tenant; a tenant token (`token=`, services/tenants/tenant-tokens.ts) sees only
 * the tenant it names. With both, both must hold. Neither: 401; a key of another application, or a
 * token of another tenant: 403. The token is never logged nor echoed.
 */
import type { MiddlewareHandler } from 'hono';
import { isUuid } from '../../lib/ids';
import { getSyncConfig } from '../../services/syncs/configs';
import { authenticateApiKey } from '../../services/tenants/applications';
import { verifyTenantToken } from '../../services/tenants/tenant-tokens';
import type { AppDeps } from '../deps';
import { unauthorized } from '../errors';
import { forbidden } from './errors';

export interface HotglueVariables {
  /** env_id, once the caller is known to act for it. */
  applicationId: string;
  /** The flow (sync config) of the path, with the provider it syncs. */
  flow: { id: string; provider_name: string; config: Record<string, unknown> };
  /** The tenant (customer external id) of the path. */
  tenant: string;
  /** How the caller proved who it is, for the Job's started_by. */
  startedBy: 'api_key' | 'tenant_token';
}

export type HotglueEnv = { Variables: HotglueVariables };

/**
 * Per-route middleware (before the body is validated, so an unknown caller learns nothing of it):
 * `env` checks the caller against env_id, `flow` also resolves flow_id, `tenant` also checks a token's tenant.
 */
export function hotglueAccess(deps: AppDeps, scope: 'env' | 'flow' | 'tenant'): MiddlewareHandler<HotglueEnv> {
  return async (c, next) => {
    const envId = c.req.param('env_id') ?? '';
    const key = c.req.header('x-api-key');
    const token = c.req.query('token');
    if (!key && !token) throw unauthorized('Send the environment key in x-api-key, or a tenant token as token=');
    if (key) {
      const app = await authenticateApiKey(deps.db, key);
      if (!app || app.id !== envId) throw forbidden(`The x-api-key is not the key of environment ${envId}`);
    }
    if (token) {
      // No such application has a key to verify with: the same answer as a token that does not verify.
      if (!isUuid(envId)) throw unauthorized('invalid token: no tenant token key is registered for this environment');
      const verdict = await verifyTenantToken(deps, envId, token, scope === 'tenant' ? c.req.param('tenant') : undefined);
      if (!verdict.ok) throw verdict.reason === 'wrong_tenant' ? forbidden(verdict.detail) : unauthorized(verdict.detail);
    }
    c.set('applicationId', envId);
    c.set('startedBy', token && !key ? 'tenant_token' : 'api_key');
    if (scope !== 'env') {
      const flow = await getSyncConfig(deps, envId, c.req.param('flow_id') ?? '');
      c.set('flow', { id: flow.id, provider_name: flow.provider_name, config: flow.config as Record<string, unknown> });
    }
    if (scope === 'tenant') c.set('tenant', c.req.param('tenant') ?? '');
    await next();
  };
}
