/** …/linkedConnectors/state: the connection's bookmarks (services/syncs/state.ts), per object. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { deleteConnectionState, getConnectionState, setConnectionState } from '../../services/syncs/state';
import type { AppDeps } from '../deps';
import { jsonBody, jsonResponse } from '../schemas/common';
import { hotglueAccess, type HotglueEnv } from './auth';
import { connectorOfFlow } from './connector-of-flow';
import { errorResponses } from './errors';
import { connectorQuery, connectorStateSchema, emptyOk, setStateSchema, tenantParams } from './schemas';
import { security } from './security';
import { underField } from './under-field';

const tags = ['Connector State'];
const PATH = '/{env_id}/{flow_id}/{tenant}/linkedConnectors/state';
const params = { params: tenantParams, query: connectorQuery };

export function mountConnectorState(app: OpenAPIHono<HotglueEnv>, deps: AppDeps): void {
  const access = hotglueAccess(deps, 'tenant');

  app.openapi(
    createRoute({
      method: 'get',
      path: PATH,
      tags,
      security,
      middleware: [access],
      summary: 'Retrieve connector state',
      description: 'The bookmark of each object the connection syncs: its incremental cursor, boundary records, what the next run will be, and its latest run.',
      request: params,
      responses: { 200: jsonResponse(connectorStateSchema, 'Connector state with bookmarks.'), ...errorResponses },
    }),
    async (c) => {
      const provider = connectorOfFlow(c.get('flow'), c.req.valid('query').connector_id, 'connector_id');
      return c.json(await getConnectionState(deps, c.get('applicationId'), c.get('tenant'), provider), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: PATH,
      tags,
      security,
      middleware: [access],
      summary: 'Set connector state',
      description:
        'Sets the cursor of the objects given (`{ state: { bookmarks: { "<object>": { cursor: "<ISO 8601>" } } } }`); their next run is incremental from it. 409 while an object’s sync runs.',
      request: { ...params, ...jsonBody(setStateSchema) },
      responses: { 200: jsonResponse(emptyOk, 'State set'), ...errorResponses },
    }),
    async (c) => {
      const provider = connectorOfFlow(c.get('flow'), c.req.valid('query').connector_id, 'connector_id');
      // The service validates the state itself (its fields are under `state` in this body).
      await underField('state', () => setConnectionState(deps, c.get('applicationId'), c.get('tenant'), provider, c.req.valid('json').state as never));
      return c.json({}, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: PATH,
      tags,
      security,
      middleware: [access],
      summary: 'Delete connector state',
      description: 'Clears every object’s state: the next run of each is full. 409 while a sync runs.',
      request: params,
      responses: { 200: jsonResponse(emptyOk, 'State deleted'), ...errorResponses },
    }),
    async (c) => {
      const provider = connectorOfFlow(c.get('flow'), c.req.valid('query').connector_id, 'connector_id');
      await deleteConnectionState(deps, c.get('applicationId'), c.get('tenant'), provider);
      return c.json({}, 200);
    },
  );
}
