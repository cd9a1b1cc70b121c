import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { deleteConnectionState, getConnectionState, setConnectionState } from '../../services/syncs/state';
import { deleteConnectionStateQuery, setConnectionStateSchema } from '../../services/syncs/state-inputs';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonResponse, security, withOpenApi } from '../schemas/common';
import { connectionStateSchema } from '../schemas/connection-state';
import { connectionPathParams } from '../schemas/connections';
import { validationHook } from '../validation';

const EXT = { 'x-extension': true } as Record<string, unknown>;
const tags = ['Syncs'];
const path = '/customers/{customer_id}/connections/{provider_name}/_state';
const RACE =
  'A sync with a run in progress is refused with 409 naming the run (its end would overwrite the change): change the state after the run ends. ' +
  'Bookmarks are keyed by object name; when two objects share a name the standard one keeps it and the others are keyed `<object_type>/<name>` (`common/contact`).';

/** Syncwell extension: a connection's state (its objects' bookmarks), read, set and deleted. */
export function connectionStateRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path,
      tags,
      security,
      summary: "Get a connection's state (bookmarks)",
      description:
        'Syncwell extension. Per object sync of the connection: the cursor its next incremental run reads from, how many records at exactly that instant are known (skipped when unchanged), whether a full refresh is pending, what the next run will be, and the newest run. ' +
        RACE,
      ...EXT,
      request: { params: connectionPathParams },
      responses: { 200: jsonResponse(connectionStateSchema, 'The connection state'), ...errorResponses },
    }),
    async (c) => {
      const { customer_id, provider_name } = c.req.valid('param');
      return c.json(await getConnectionState(deps, c.get('applicationId'), customer_id, provider_name), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path,
      tags,
      security,
      summary: "Set a connection's state",
      description:
        'Syncwell extension. Sets the cursor (ISO 8601) of the objects given; each one’s next run is incremental from it (inclusive), with no boundary records known, and a pending full refresh is withdrawn. ' +
        'Objects left out keep their state. Only objects the connection syncs, and not with strategy "full only"; every problem is a 400 naming the field (`bookmarks.<key>.cursor`). ' +
        RACE,
      ...EXT,
      request: { params: connectionPathParams, body: { required: true, content: { 'application/json': { schema: withOpenApi(setConnectionStateSchema) } } } },
      responses: { 200: jsonResponse(connectionStateSchema, 'The connection state as set'), ...errorResponses },
    }),
    async (c) => {
      const { customer_id, provider_name } = c.req.valid('param');
      return c.json(await setConnectionState(deps, c.get('applicationId'), customer_id, provider_name, c.req.valid('json')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path,
      tags,
      security,
      summary: "Delete a connection's state",
      description:
        "Syncwell extension. Clears the cursor and boundary records of one object (`object_type` and `object`) or of all the connection's objects: their next run is full. " + RACE,
      ...EXT,
      request: { params: connectionPathParams, query: withOpenApi(deleteConnectionStateQuery) },
      responses: { 200: jsonResponse(connectionStateSchema, 'The connection state after the deletion'), ...errorResponses },
    }),
    async (c) => {
      const { customer_id, provider_name } = c.req.valid('param');
      const q = c.req.valid('query');
      const objects = q.object !== undefined && q.object_type !== undefined ? [{ object_type: q.object_type, object: q.object }] : undefined;
      return c.json(await deleteConnectionState(deps, c.get('applicationId'), customer_id, provider_name, objects), 200);
    },
  );

  return app;
}
