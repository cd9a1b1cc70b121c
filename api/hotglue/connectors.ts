/** /{env_id}/availableConnectors and /{env_id}/{flow_id}/supportedConnectors over the connector catalog. */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { listAvailableConnectors, listSupportedConnectors } from '../../services/catalog/connector-catalog';
import type { AppDeps } from '../deps';
import { jsonResponse } from '../schemas/common';
import { hotglueAccess, type HotglueEnv } from './auth';
import { errorResponses } from './errors';
import { authQuery, envParams, flowParams } from './schemas';
import { security } from './security';

const tags = ['Connector Metadata'];

const connectorSchema = z
  .object({
    id: z.string().openapi({ description: 'The connector id: a provider name, connector.id when linking' }),
    label: z.string(),
    category: z.string(),
    auth_type: z.string(),
    parameters: z.array(z.record(z.string(), z.unknown())).openapi({ description: 'What connector.config.params takes' }),
    icon: z.string().optional(),
    description: z.string(),
    source: z.enum(['builtin', 'declarative']),
    supports_write: z.boolean(),
  })
  .openapi('AvailableConnector');

export function mountConnectorMetadata(app: OpenAPIHono<HotglueEnv>, deps: AppDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{env_id}/availableConnectors',
      tags,
      security,
      middleware: [hotglueAccess(deps, 'env')],
      summary: 'Retrieve available connectors',
      description: 'Every connector the environment can use: the built-in providers and its published declarative connectors, by category then label.',
      request: { params: envParams, query: authQuery },
      responses: { 200: jsonResponse(z.array(connectorSchema), 'Array of available connectors.'), ...errorResponses },
    }),
    async (c) => c.json(await listAvailableConnectors(deps, c.get('applicationId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{env_id}/{flow_id}/supportedConnectors',
      tags,
      security,
      middleware: [hotglueAccess(deps, 'flow')],
      summary: 'Retrieve supported connectors',
      description: 'The connectors the flow is set up for: its provider’s.',
      request: { params: flowParams, query: authQuery },
      responses: { 200: jsonResponse(z.array(connectorSchema), 'Array of supported connectors.'), ...errorResponses },
    }),
    async (c) => c.json(await listSupportedConnectors(deps, c.get('applicationId'), c.get('flow').id), 200),
  );
}
