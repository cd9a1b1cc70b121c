import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { apiKeyAuth } from './auth';
import type { AppDeps, AuthedVariables } from './deps';
import { ApiError, errorBody } from './errors';
import { healthRoutes } from './health';
import { validationHook } from './validation';

export const MGMT_BASE = '/mgmt/v2';

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.route('/', healthRoutes(deps));

  const mgmt = new OpenAPIHono<{ Variables: AuthedVariables }>({ defaultHook: validationHook });
  mgmt.use('*', apiKeyAuth(deps));
  app.route(MGMT_BASE, mgmt);

  app.notFound((c) => c.json(errorBody(404, 'NOT_FOUND_ERROR', 'Not found', `No route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(err.toBody(), err.status);
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      // Hono raises these for malformed JSON bodies among others: a client error, never a 500.
      return c.json(errorBody(status, 'BAD_REQUEST_ERROR', 'Bad request', err.message || 'Malformed request'), status);
    }
    deps.logger.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error');
    return c.json(errorBody(500, 'INTERNAL_SERVER_ERROR', 'Internal server error', 'An unexpected error occurred'), 500);
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
