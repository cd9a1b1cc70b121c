import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { apiKeyAuth } from './auth';
import { oauthConnectRoutes } from './connect/oauth';
import { CRM_BASE, crmRoutes } from './crm';
import { connectPageRoutes } from './connect/pages';
import { authorizationUrlForLink } from '../services/connect/oauth';
import type { AppDeps, AuthedEnv } from './deps';
import { docsRoutes, OPENAPI_PATH, registerOpenApi } from './docs';
import { DomainError } from '../lib/errors';
import { ApiError, errorBody, toApiError } from './errors';
import { healthRoutes } from './health';
import { INTEGRATIONS_BASE, integrationsRoutes } from './integrations';
import { metricsRoutes } from './metrics';
import { HOTGLUE_BASE, hotglueRoutes } from './hotglue';
import { mountManagementRoutes } from './routes';
import { validationHook } from './validation';

export const MGMT_BASE = '/mgmt/v2';

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.route('/', healthRoutes(deps));
  app.route('/', metricsRoutes(deps.metrics));
  app.route('/', docsRoutes());
  // The hosted connect pages (no API key: the magic link id is the capability).
  app.route('/', connectPageRoutes(deps, { oauthAuthorizationUrl: (link) => authorizationUrlForLink(deps, link) }));
  app.route('/', oauthConnectRoutes(deps));

  const mgmt = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });
  const auth = apiKeyAuth(deps);
  // The OpenAPI document is public; everything else under /mgmt/v2 needs a key.
  mgmt.use('*', (c, next) => (c.req.path === OPENAPI_PATH ? next() : auth(c, next)));
  mountManagementRoutes(mgmt, deps);
  registerOpenApi(mgmt, '0.1.0');
  app.route(MGMT_BASE, mgmt);
  app.route(CRM_BASE, crmRoutes(deps));
  app.route(INTEGRATIONS_BASE, integrationsRoutes(deps));
  app.route(HOTGLUE_BASE, hotglueRoutes(deps));

  app.notFound((c) => c.json(errorBody(404, 'NOT_FOUND_ERROR', 'Not found', `No route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    if (err instanceof DomainError) err = toApiError(err);
    if (err instanceof ApiError) return c.json(err.toBody(), err.status);
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      // Hono raises these for malformed JSON bodies among others: a client error, never a 500.
      return c.json(errorBody(status, 'BAD_REQUEST_ERROR', 'Bad request', err.message || 'Malformed request'), status);
    }
    const pgCode = (err as { code?: unknown }).code;
    if (typeof pgCode === 'string' && /^[0-9A-Z]{5}$/.test(pgCode)) {
      // Input Postgres cannot store (class 22: NUL bytes, out-of-range numbers...) is the client's error.
      if (pgCode.startsWith('22')) return c.json(errorBody(400, 'BAD_REQUEST_ERROR', 'Bad request', `Invalid value: ${err.message}`), 400);
      if (pgCode === '23505' || pgCode === '23503') return c.json(errorBody(409, 'CONFLICT_ERROR', 'Conflict', 'The request conflicts with an existing resource'), 409);
    }
    deps.logger.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error');
    return c.json(errorBody(500, 'INTERNAL_SERVER_ERROR', 'Internal server error', 'An unexpected error occurred'), 500);
  });
  return app;
}
