import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { RemoteError } from '../../lib/errors';
import * as discover from '../../services/connections/discover';
import type { AppDeps, AuthedEnv } from '../deps';
import { ApiError } from '../errors';
import { errorResponses, jsonResponse, security } from '../schemas/common';
import { discoverParams, discoverResponseSchema } from '../schemas/connectors';
import { validationHook } from '../validation';

/** This extension answers provider failures with 422 or 503 (see its description), not the reference's 499. */
function discoveryFailure(err: unknown): never {
  if (err instanceof RemoteError) {
    throw new ApiError(err.kind === 'transient' ? 503 : 422, 'PROVIDER_ERROR', 'Provider error', err.message, { kind: err.kind });
  }
  throw err;
}

export function discoverRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/{customer_id}/connections/{provider_name}/_discover',
      tags: ['Connections'],
      security,
      summary: 'Discover objects and fields',
      description:
        'Syncwell extension (not in the Supaglue API). The objects the connection can sync (common, standard, custom) and their fields: ' +
        "from the connector's stream schemas or the provider's metadata; a stream without a schema is sampled (one page) and its schema inferred. " +
        'Provider failures answer 422 (credentials, permissions, configuration) or 503 (transient).',
      ...({ 'x-extension': true } as Record<string, unknown>),
      request: { params: discoverParams },
      responses: {
        200: jsonResponse(discoverResponseSchema, 'Discovered objects'),
        503: { description: 'Provider temporarily unavailable', content: errorResponses[500].content },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { customer_id, provider_name } = c.req.valid('param');
      const found = await discover.discoverConnection(deps, c.get('applicationId'), customer_id, provider_name, c.req.raw.signal).catch(discoveryFailure);
      return c.json(found, 200);
    },
  );

  return app;
}
