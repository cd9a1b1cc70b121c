/**
 * /{env_id}/{flow_id}/{tenant}/linkedConnectors: a linked connector is the tenant's connection to the
 * flow's provider, with its field_map (field mappings) and schedule (its syncs' paused state and period).
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { NotFoundError } from '../../lib/errors';
import { listAvailableConnectors } from '../../services/catalog/connector-catalog';
import { createConnection, deleteConnection, getConnectionByHeadersOrThrow } from '../../services/connections/connections';
import { getStoredCatalog } from '../../services/connections/discover-jobs';
import { createConnectionSchema } from '../../services/connections/inputs';
import { checkConnectionBody } from '../../services/connections/params';
import { findConnectorDefinition } from '../../services/catalog/connectors';
import { getCustomerOrThrow, upsertCustomer } from '../../services/tenants/customers';
import type { AppDeps } from '../deps';
import { validationError } from '../validation';
import { jsonBody, jsonResponse } from '../schemas/common';
import { hotglueAccess, type HotglueEnv, type HotglueVariables } from './auth';
import { connectorOfFlow } from './connector-of-flow';
import { badField, errorResponses } from './errors';
import { readFieldMap, writeFieldMap } from './field-map';
import { applyScheduleState, checkScheduleExpression, readSchedule } from './schedule-apply';
import { connectorQuery, emptyOk, linkConnectorSchema, linkedConnectorSchema, linkedConnectorsQuery, tenantParams, updateLinkedConnectorSchema } from './schemas';
import { security } from './security';
import { underField } from './under-field';

const tags = ['Linked Connectors'];
const PATH = '/{env_id}/{flow_id}/{tenant}/linkedConnectors';

/** connector.config → the create-connection body; its issues named where the caller wrote them. */
function connectionInput(connectorId: string, config: Record<string, unknown> | undefined) {
  const parsed = createConnectionSchema.safeParse({ ...config, provider_name: connectorId });
  if (parsed.success) return parsed.data;
  throw validationError('json', parsed.error);
}

/** Hotglue creates a tenant when it first links a connector; so does this. */
async function ensureTenant(deps: AppDeps, applicationId: string, tenant: string): Promise<void> {
  try {
    await getCustomerOrThrow(deps, applicationId, tenant);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    await upsertCustomer(deps, applicationId, { customer_id: tenant, name: tenant, email: '' });
  }
}

async function linkedConnectorView(deps: AppDeps, v: Pick<HotglueVariables, 'applicationId' | 'tenant' | 'flow'>, opts: { config: boolean; catalog: boolean }) {
  const provider = v.flow.provider_name;
  let connection: Awaited<ReturnType<typeof getConnectionByHeadersOrThrow>>;
  try {
    connection = await getConnectionByHeadersOrThrow(deps, v.applicationId, v.tenant, provider);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
  const entry = (await listAvailableConnectors(deps, v.applicationId)).find((e) => e.id === provider);
  return {
    id: provider,
    tap: provider,
    label: entry?.label ?? provider,
    ...(entry?.icon ? { icon: entry.icon } : {}),
    type: entry?.auth_type ?? 'api_key',
    fieldMap: await readFieldMap(deps, v.applicationId, v.tenant, provider),
    schedule: await readSchedule(deps, v.applicationId, v.tenant, v.flow),
    ...(opts.catalog ? { catalog: await getStoredCatalog(deps, v.applicationId, v.tenant, provider) } : {}),
    ...(opts.config ? { config: { ...(connection.params as Record<string, unknown>), ...(connection.instance_url ? { instance_url: connection.instance_url } : {}) } } : {}),
  };
}

export function mountLinkedConnectors(app: OpenAPIHono<HotglueEnv>, deps: AppDeps): void {
  const access = hotglueAccess(deps, 'tenant');

  app.openapi(
    createRoute({
      method: 'get',
      path: PATH,
      tags,
      security,
      middleware: [access],
      summary: 'Retrieve linked connectors',
      description: 'The tenant’s connection to the flow’s connector, if it has one ([] otherwise).',
      request: { params: tenantParams, query: linkedConnectorsQuery },
      responses: { 200: jsonResponse(z.array(linkedConnectorSchema), 'Array of linked connector objects.'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const view = await linkedConnectorView(deps, { applicationId: c.get('applicationId'), tenant: c.get('tenant'), flow: c.get('flow') }, q);
      return c.json(view ? [view] : [], 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: PATH,
      tags,
      security,
      middleware: [access],
      summary: 'Link a connector',
      description:
        'Creates the tenant (if new) and its connection to connector.id, which must be the flow’s connector; connector.config carries what POST /mgmt/v2/customers/{id}/connections takes. ' +
        'The connection’s syncs start as the flow says; schedule.state DISABLED pauses them; field_map sets its field mappings.',
      request: { params: tenantParams, query: z.object({ token: linkedConnectorsQuery.shape.token }), ...jsonBody(linkConnectorSchema) },
      responses: { 200: jsonResponse(emptyOk, 'Linked'), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const { applicationId, tenant, flow } = { applicationId: c.get('applicationId'), tenant: c.get('tenant'), flow: c.get('flow') };
      const provider = connectorOfFlow(flow, body.connector.id, 'connector.id');
      if (body.connector.symlink) throw badField('connector.symlink', 'symlinked connectors are not supported', 'not_supported');
      const input = await underField('connector.config', async () => connectionInput(provider, body.connector.config));
      // Checked before the tenant is created, so a bad body changes nothing.
      await underField('connector.config', async () => checkConnectionBody(input, await findConnectorDefinition(deps.db, applicationId, provider)));
      checkScheduleExpression(flow, body.schedule);
      await ensureTenant(deps, applicationId, tenant);
      await underField('connector.config', () => createConnection(deps, applicationId, tenant, input));
      try {
        if (body.field_map) await writeFieldMap(deps, applicationId, tenant, provider, body.field_map);
        await applyScheduleState(deps, applicationId, tenant, provider, body.schedule);
      } catch (err) {
        // A link is all or nothing: the caller fixes the body and links again.
        await deleteConnection(deps, applicationId, tenant, provider);
        throw err;
      }
      return c.json({}, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: PATH,
      tags,
      security,
      middleware: [access],
      summary: 'Update a linked connector',
      description: 'Sets field_map (the objects given) and schedule. A new config is refused: unlink and link again.',
      request: { params: tenantParams, query: z.object({ token: linkedConnectorsQuery.shape.token }), ...jsonBody(updateLinkedConnectorSchema) },
      responses: { 200: jsonResponse(emptyOk, 'Updated'), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const { applicationId, tenant, flow } = { applicationId: c.get('applicationId'), tenant: c.get('tenant'), flow: c.get('flow') };
      const provider = connectorOfFlow(flow, body.connector_id, 'connector_id');
      if (body.config) throw badField('config', "changing a linked connector's config is not supported: unlink it and link it again", 'not_supported');
      checkScheduleExpression(flow, body.schedule);
      await getConnectionByHeadersOrThrow(deps, applicationId, tenant, provider);
      if (body.field_map) await writeFieldMap(deps, applicationId, tenant, provider, body.field_map);
      await applyScheduleState(deps, applicationId, tenant, provider, body.schedule);
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
      summary: 'Unlink a connector',
      description: 'Deletes the connection and its syncs.',
      request: { params: tenantParams, query: connectorQuery },
      responses: { 200: jsonResponse(emptyOk, 'Unlinked'), ...errorResponses },
    }),
    async (c) => {
      const provider = connectorOfFlow(c.get('flow'), c.req.valid('query').connector_id, 'connector_id');
      await deleteConnection(deps, c.get('applicationId'), c.get('tenant'), provider);
      return c.json({}, 200);
    },
  );
}
