/**
 * The Hotglue API v2 (hotglue-v2.openapi.json) at /v2 over the same services as /mgmt/v2: env_id is
 * the application, flow_id a sync config, tenant a customer, a linked connector a connection
 * (docs/hotglue-v2.md). Callers are the environment's key or a tenant token (auth.ts).
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../deps';
import { validationHook } from '../validation';
import type { HotglueEnv } from './auth';
import { mountConnectorMetadata } from './connectors';
import { mountDiscover } from './discover';
import { hotglueError } from './errors';
import { mountJobs } from './jobs';
import { mountLinkedConnectors } from './linked-connectors';
import { mountConnectorState } from './state';

export const HOTGLUE_BASE = '/v2';

export function hotglueRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<HotglueEnv>({ defaultHook: validationHook });
  // Registered before the {env_id}/{flow_id}/... paths so the literal segments win where they overlap.
  mountDiscover(app, deps);
  mountConnectorState(app, deps);
  mountLinkedConnectors(app, deps);
  mountJobs(app, deps);
  mountConnectorMetadata(app, deps);
  app.onError((err, c) => hotglueError(err, c, (e) => deps.logger.error({ err: e, method: c.req.method, path: c.req.path }, 'unhandled error')));
  app.openAPIRegistry.registerComponent('securitySchemes', 'x-api-key', {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
    description: 'The environment key: your application’s API key',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'token', {
    type: 'apiKey',
    in: 'query',
    name: 'token',
    description: 'A tenant token: a JWT signed with your private key (iss your application id, aud syncwell, tenant, exp); it sees only its tenant',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Syncwell Hotglue API v2',
      version: '0.1.0',
      description:
        "Compatible with Hotglue's API v2 for linked connectors, connector state, discover, jobs and the connector catalog. env_id is your application id, flow_id a sync config id, tenant a customer id.",
    },
    servers: [{ url: HOTGLUE_BASE, description: 'this server' }],
  });
  return app;
}
