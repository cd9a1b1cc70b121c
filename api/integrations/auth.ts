/**
 * Who the current hub is. A tenant token (`Authorization: Bearer <jwt>`, services/tenants/tenant-tokens.ts)
 * names it, and its issuer names the application; or the application's key (`x-api-key`) with
 * `X-Hub-Id` naming the customer. With both a token and X-Hub-Id, they must agree. The token is never
 * logged nor echoed.
 */
import type { MiddlewareHandler } from 'hono';
import { decodeJwt } from 'jose';
import { isUuid } from '../../lib/ids';
import { authenticateApiKey } from '../../services/tenants/applications';
import { verifyTenantToken } from '../../services/tenants/tenant-tokens';
import type { AppDeps } from '../deps';
import { apiError } from './errors';

export interface HubVariables {
  applicationId: string;
  /** The customer's external id. */
  hub: string;
}

export type HubEnv = { Variables: HubVariables };

const unauthorized = (detail: string) => apiError(401, 'Unauthorized', detail);

/** The application a token claims to be from, before anything is verified (verification checks it is). */
function issuerOf(token: string): string | undefined {
  try {
    const iss = decodeJwt(token).iss;
    return typeof iss === 'string' && isUuid(iss) ? iss : undefined;
  } catch {
    return undefined;
  }
}

export function hubAuth(deps: AppDeps): MiddlewareHandler<HubEnv> {
  return async (c, next) => {
    const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1]?.trim();
    const key = c.req.header('x-api-key');
    const hubHeader = c.req.header('x-hub-id');
    if (bearer) {
      const applicationId = issuerOf(bearer);
      if (!applicationId) throw unauthorized('invalid token: not a signed JWT of an application (iss)');
      const verdict = await verifyTenantToken(deps, applicationId, bearer, hubHeader);
      if (!verdict.ok) throw verdict.reason === 'wrong_tenant' ? apiError(403, 'Forbidden', verdict.detail) : unauthorized(verdict.detail);
      c.set('applicationId', applicationId);
      c.set('hub', verdict.tenant);
    } else if (key) {
      const app = await authenticateApiKey(deps.db, key);
      if (!app) throw unauthorized('invalid x-api-key');
      if (!hubHeader)
        throw apiError(
          401,
          'Unauthorized',
          'X-Hub-Id is required with x-api-key: it names the hub (customer id)',
          [{ field: 'X-Hub-Id', message: 'required', code: 'required' }],
          'header',
        );
      c.set('applicationId', app.id);
      c.set('hub', hubHeader);
    } else {
      throw unauthorized('Send a tenant token as Authorization: Bearer <token>, or your API key in x-api-key with X-Hub-Id');
    }
    await next();
  };
}
