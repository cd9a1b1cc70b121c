import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { pollDiscover, startDiscover } from '../../services/connections/discover-jobs';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonResponse, security } from '../schemas/common';
import { connectionPathParams } from '../schemas/connections';
import { discoverStatusSchema } from '../schemas/discover-jobs';
import { validationHook } from '../validation';

const EXT = { 'x-extension': true } as Record<string, unknown>;
const tags = ['Connections'];
const base = '/customers/{customer_id}/connections/{provider_name}/_discover_jobs';

/** Syncwell extension: discovery on a worker, started at once and polled. */
export function discoverJobRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'post',
      path: base,
      tags,
      security,
      summary: 'Start discovering objects and fields (asynchronous)',
      description:
        'Syncwell extension. Answers 202 at once (`Location`: the poll URL) while a Temporal workflow (`discover:<connection id>`) discovers what `_discover` does and stores the catalog with the connection. ' +
        'Started while a discovery runs, it joins that one. A provider failure is the discovery’s `failed` status with the provider’s cause, not this request’s.',
      ...EXT,
      request: { params: connectionPathParams },
      responses: { 202: jsonResponse(discoverStatusSchema, 'Discovery running'), ...errorResponses },
    }),
    async (c) => {
      const { customer_id, provider_name } = c.req.valid('param');
      const status = await startDiscover(deps, c.get('applicationId'), customer_id, provider_name);
      c.header('Location', `/mgmt/v2/customers/${encodeURIComponent(customer_id)}/connections/${encodeURIComponent(provider_name)}/_discover_jobs/latest`);
      return c.json(status, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: `${base}/latest`,
      tags,
      security,
      summary: 'Poll the latest discovery',
      description:
        'Syncwell extension. `not_started`, `running`, `succeeded` with the `catalog`, or `failed` with the `error`. The catalog of the latest successful discovery is also kept on the connection when a later one fails.',
      ...EXT,
      request: { params: connectionPathParams },
      responses: { 200: jsonResponse(discoverStatusSchema, 'The latest discovery'), ...errorResponses },
    }),
    async (c) => {
      const { customer_id, provider_name } = c.req.valid('param');
      return c.json((await pollDiscover(deps, c.get('applicationId'), customer_id, provider_name)) as never, 200);
    },
  );

  return app;
}
