import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { listSyncRuns, listSyncs } from '../../services/syncs/queries';
import { pauseSync, resumeSync, triggerSyncRun } from '../../services/syncs/commands';
import type { AppDeps, AuthedEnv } from '../deps';
import { connectionHeaders, errorResponses, jsonBody, jsonResponse, security } from '../schemas/common';
import { listSyncRunsQuery, listSyncsQuery, syncRefBody, triggerBody } from '../../services/syncs/inputs';
import { syncPageSchema, syncRunPageSchema, syncSchema } from '../schemas/syncs';
import { validationHook } from '../validation';

export function syncRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/syncs',
      tags: ['Syncs'],
      security,
      summary: 'List syncs',
      request: { query: listSyncsQuery },
      responses: { 200: jsonResponse(syncPageSchema, 'Syncs'), ...errorResponses },
    }),
    async (c) => c.json((await listSyncs(deps, c.get('applicationId'), c.req.valid('query'))) as never, 200),
  );

  for (const [path, summary, body, handler] of [
    ['/syncs/_pause', 'Pause a sync (takes effect immediately and durably)', syncRefBody, pauseSync],
    ['/syncs/_resume', 'Resume a sync', syncRefBody, resumeSync],
    ['/syncs/_trigger', 'Run a sync now (after the current run, if one is in progress)', triggerBody, triggerSyncRun],
  ] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path,
        tags: ['Syncs'],
        security,
        summary,
        request: { headers: connectionHeaders, ...jsonBody(body) },
        responses: { 200: jsonResponse(syncSchema, 'The sync'), ...errorResponses },
      }),
      async (c) => {
        const headers = c.req.valid('header');
        const sync = await handler(deps, c.get('applicationId'), headers['x-customer-id'], headers['x-provider-name'], c.req.valid('json'));
        return c.json(sync, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sync-runs',
      tags: ['Sync runs'],
      security,
      summary: 'List sync runs',
      request: { query: listSyncRunsQuery },
      responses: { 200: jsonResponse(syncRunPageSchema, 'Sync runs'), ...errorResponses },
    }),
    async (c) => c.json((await listSyncRuns(deps, c.get('applicationId'), c.req.valid('query'))) as never, 200),
  );

  return app;
}
