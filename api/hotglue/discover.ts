/**
 * …/linkedConnectors/discover and …/discover/poll over the asynchronous discovery
 * (services/connections/discover-jobs.ts): start answers at once, poll until SUCCESS or FAILED.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { type DiscoverStatus, pollDiscover, startDiscover } from '../../services/connections/discover-jobs';
import type { AppDeps } from '../deps';
import { jsonResponse } from '../schemas/common';
import { hotglueAccess, type HotglueEnv } from './auth';
import { connectorOfFlow } from './connector-of-flow';
import { errorResponses } from './errors';
import { connectorQuery, discoverQuery, tenantParams } from './schemas';
import { security } from './security';

const tags = ['Discover'];
const STATUS = { not_started: null, running: 'RUNNING', succeeded: 'SUCCESS', failed: 'FAILED' } as const;

const discoverStatusSchema = z
  .object({
    status: z.enum(['RUNNING', 'SUCCESS', 'FAILED']).nullable().openapi({ description: 'null: no discover was ever started' }),
    catalog: z
      .object({ objects: z.array(z.record(z.string(), z.unknown())) })
      .optional()
      .openapi({ description: 'SUCCESS: the objects, each with its fields and their types' }),
    message: z.string().optional().openapi({ description: 'FAILED: why' }),
    started_at: z.string().optional(),
    updated_at: z.string().optional(),
  })
  .openapi('DiscoverStatus');

function view(s: DiscoverStatus) {
  return {
    status: STATUS[s.status],
    ...(s.catalog ? { catalog: s.catalog as unknown as { objects: Array<Record<string, unknown>> } } : {}),
    ...(s.error ? { message: s.error } : {}),
    ...(s.started_at ? { started_at: s.started_at } : {}),
    ...(s.updated_at ? { updated_at: s.updated_at } : {}),
  };
}

export function mountDiscover(app: OpenAPIHono<HotglueEnv>, deps: AppDeps): void {
  const access = hotglueAccess(deps, 'tenant');

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{env_id}/{flow_id}/{tenant}/linkedConnectors/discover',
      tags,
      security,
      middleware: [access],
      summary: 'Trigger connector discovery',
      description: 'Starts a discovery of the linked connector (or joins the one running) and answers at once with RUNNING; poll …/discover/poll for the catalog.',
      request: { params: tenantParams, query: discoverQuery },
      responses: { 200: jsonResponse(discoverStatusSchema, 'Discovery started.'), ...errorResponses },
    }),
    async (c) => {
      const provider = connectorOfFlow(c.get('flow'), c.req.valid('query').connector_id, 'connector_id');
      return c.json(view(await startDiscover(deps, c.get('applicationId'), c.get('tenant'), provider)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{env_id}/{flow_id}/{tenant}/linkedConnectors/discover/poll',
      tags,
      security,
      middleware: [access],
      summary: 'Poll discover status',
      description: 'RUNNING, then SUCCESS with the catalog (also served by GET linkedConnectors?catalog=true) or FAILED with a message; null before any discover.',
      request: { params: tenantParams, query: connectorQuery },
      responses: { 200: jsonResponse(discoverStatusSchema, 'Discover status.'), ...errorResponses },
    }),
    async (c) => {
      const provider = connectorOfFlow(c.get('flow'), c.req.valid('query').connector_id, 'connector_id');
      return c.json(view(await pollDiscover(deps, c.get('applicationId'), c.get('tenant'), provider)), 200);
    },
  );
}
