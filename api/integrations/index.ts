/**
 * The integrations API in the style of Cycle's (cycle-integrations.openapi.json) at /v1, over the same
 * services as /mgmt/v2: the current hub is a customer, an integration one of its connections
 * (docs/integrations-api.md). Bodies sit in `{ "data": … }`; errors are errors.ts's envelope.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import * as integrations from '../../services/connections/integrations';
import { createIntegrationSchema, updateIntegrationSchema } from '../../services/connections/integration-inputs';
import type { StateFilter } from '../schemas/connection-list';
import type { AppDeps } from '../deps';
import { validationHook } from '../validation';
import { hubAuth, type HubEnv } from './auth';
import { errorResponses, integrationsError } from './errors';
import { integrationIdParam, jobIdParam, listQuery, metaQuery, taskBody } from './query';
import { data, definitionSchema, integrationSchema, jobDescriptorSchema, toIntegration, toJobDescriptor } from './schemas';

export const INTEGRATIONS_BASE = '/v1';

const tags = ['Integrations'];
const security: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { apiKey: [], hubAuth: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const body = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });
const wantsDefinition = (meta: string | undefined) => meta !== undefined;

const DEFAULT_PAGE_SIZE = 20;

export function integrationsRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<HubEnv>({ defaultHook: validationHook });
  app.use('/hubs/*', hubAuth(deps));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/hubs/current/integrations',
      tags,
      security,
      summary: 'List Integrations',
      description:
        "The current hub's integrations, oldest first, `page[size]` (default 20) per page; filtered by `filter[state]`, `filter[search]` (name, identifier or vendor) and `filter[vendor]`.",
      request: { query: listQuery },
      responses: { 200: json(data(z.array(integrationSchema)), 'A list of integrations'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const filters = {
        ...(q['filter[state]'] ? { states: q['filter[state]'].split(',') as StateFilter[] } : {}),
        ...(q['filter[search]'] ? { search: q['filter[search]'] } : {}),
        ...(q['filter[vendor]'] ? { providerName: q['filter[vendor]'] } : {}),
      };
      const page = { number: Number(q['page[number]'] ?? 1), size: Number(q['page[size]'] ?? DEFAULT_PAGE_SIZE) };
      const views = await integrations.listIntegrations(deps, c.get('applicationId'), c.get('hub'), filters, page, wantsDefinition(q.meta));
      return c.json({ data: views.map(toIntegration) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/hubs/current/integrations',
      tags,
      security,
      summary: 'Create Integration',
      description:
        'Creates an integration of `vendor` for the current hub. A definition that requires verification (`requires_verification`) leaves it `new`, its syncs unstarted, until a verify task succeeds; otherwise it is `live` and its syncs start. One integration per vendor per hub (409 for a second).',
      request: { query: metaQuery, ...body(createIntegrationSchema) },
      responses: { 201: json(data(integrationSchema), 'Returns the new Integration.'), ...errorResponses },
    }),
    async (c) => {
      const view = await integrations.createIntegration(deps, c.get('applicationId'), c.get('hub'), c.req.valid('json'), wantsDefinition(c.req.valid('query').meta));
      return c.json({ data: toIntegration(view) }, 201);
    },
  );

  // Before /{integrationId}: the literal segment wins.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/hubs/current/integrations/available',
      tags,
      security,
      summary: 'Get Available Integrations',
      description: 'The definitions the hub can create integrations of (your application has a provider for each), by category.',
      responses: { 200: json(data(z.record(z.string(), z.array(definitionSchema))), 'A map of categories to lists of integration definitions.'), ...errorResponses },
    }),
    async (c) => c.json({ data: await integrations.listAvailableIntegrations(deps, c.get('applicationId')) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/hubs/current/integrations/{integrationId}',
      tags,
      security,
      summary: 'Get Integration',
      request: { params: integrationIdParam, query: metaQuery },
      responses: { 200: json(data(integrationSchema), 'Details of the specified Integration'), ...errorResponses },
    }),
    async (c) => {
      const view = await integrations.getIntegration(deps, c.get('applicationId'), c.get('hub'), c.req.valid('param').integrationId, wantsDefinition(c.req.valid('query').meta));
      return c.json({ data: toIntegration(view) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/hubs/current/integrations/{integrationId}',
      tags,
      security,
      summary: 'Update Integration',
      description: '`auth` replaces the credentials and sends an integration whose definition requires verification back to `new`: submit a verify task to make it `live` again.',
      request: { params: integrationIdParam, query: metaQuery, ...body(updateIntegrationSchema) },
      responses: { 200: json(data(integrationSchema), 'Returns the updated Integration.'), ...errorResponses },
    }),
    async (c) => {
      const view = await integrations.updateIntegration(
        deps,
        c.get('applicationId'),
        c.get('hub'),
        c.req.valid('param').integrationId,
        c.req.valid('json'),
        wantsDefinition(c.req.valid('query').meta),
      );
      return c.json({ data: toIntegration(view) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/hubs/current/integrations/{integrationId}',
      tags,
      security,
      summary: 'Delete an Integration',
      description:
        'Marks the integration `deleting` and answers with a job: a workflow removes its syncs’ schedules, waits for a sync in progress to end, deletes it (`connection.deleted` webhook) and completes the job; the integration is then gone (404).',
      request: { params: integrationIdParam },
      responses: { 202: json(data(jobDescriptorSchema), 'Returns a Job Descriptor.'), ...errorResponses },
    }),
    async (c) => {
      const job = await integrations.deleteIntegration(deps, c.get('applicationId'), c.get('hub'), c.req.valid('param').integrationId);
      return c.json({ data: toJobDescriptor(job) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/hubs/current/integrations/{integrationId}/tasks',
      tags,
      security,
      summary: 'Create a new Hub Integration Job.',
      description:
        "`verify`: one cheap request to the vendor with the stored credentials; the integration is `verifying`, then `live` (its syncs start) or `failed` with the vendor's reason (also the job's `state.error`).",
      request: { params: integrationIdParam, ...body(taskBody) },
      responses: { 202: json(data(jobDescriptorSchema), 'Returns a Job Descriptor.'), ...errorResponses },
    }),
    async (c) => {
      const job = await integrations.verifyIntegration(deps, c.get('applicationId'), c.get('hub'), c.req.valid('param').integrationId);
      return c.json({ data: toJobDescriptor(job) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/hubs/current/jobs/{jobId}',
      tags: ['Jobs'],
      security,
      summary: 'Get a Job',
      description:
        'A verify or delete job of one of the current hub’s integrations: `state.current` is queued → running → completed | error (`state.error.message` says why). The same job is `GET /mgmt/v2/jobs/{job_id}`.',
      request: { params: jobIdParam },
      responses: { 200: json(data(jobDescriptorSchema), 'The job'), ...errorResponses },
    }),
    async (c) => c.json({ data: toJobDescriptor(await integrations.getIntegrationJob(deps, c.get('applicationId'), c.get('hub'), c.req.valid('param').jobId)) }, 200),
  );

  app.onError((err, c) => integrationsError(err, c, (e) => deps.logger.error({ err: e, method: c.req.method, path: c.req.path }, 'unhandled error')));
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A tenant token: a JWT signed with your private key (iss your application id, aud syncwell, tenant = the hub, exp)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
    description: 'Your application’s API key (with X-Hub-Id)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'hubAuth', { type: 'apiKey', in: 'header', name: 'X-Hub-Id', description: 'The hub: your customer id' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Syncwell Integrations API (Cycle style)',
      version: '0.1.0',
      description: "A hub's integrations in the style of Cycle's platform API: a hub is one of your customers, an integration one of its connections.",
    },
    servers: [{ url: INTEGRATIONS_BASE, description: 'this server' }],
  });
  return app;
}
