import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { deleteTenantTokenKey, getTenantTokenKey, putTenantTokenKey } from '../../services/tenants/tenant-tokens';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonBody, jsonResponse, security } from '../schemas/common';
import { validationHook } from '../validation';

const EXT = { 'x-extension': true } as Record<string, unknown>;
const tags = ['Application'];
const PATH = '/application/tenant_token_key';

const keyInputSchema = z
  .object({
    jwk: z.record(z.string(), z.unknown()).optional().openapi({ description: 'The public key as a JWK (RSA ≥ 2048 bits, EC P-256/384/521, or Ed25519)' }),
    pem: z.string().min(1).optional().openapi({ description: 'The public key as PEM (-----BEGIN PUBLIC KEY-----)' }),
    alg: z.string().min(1).optional().openapi({ description: 'The JWS algorithm tokens are signed with; default RS256 for RSA, ES256/384/512 by curve, EdDSA', example: 'RS256' }),
  })
  .openapi('tenant_token_key_input');

const keySchema = z
  .object({
    alg: z.string(),
    jwk: z.record(z.string(), z.unknown()).openapi({ description: 'The registered public key' }),
    issuer: z.string().openapi({ description: 'The `iss` tokens must carry: your application id (the Hotglue v2 env_id)' }),
    audience: z.string().openapi({ description: 'The `aud` tokens must carry' }),
  })
  .openapi('tenant_token_key');

/**
 * Syncwell extension: the public key that verifies the application's tenant tokens (docs/hotglue-v2.md).
 * Only a public key is accepted; a private one is refused, never stored.
 */
export function tenantTokenKeyRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });
  const description =
    'Syncwell extension. Tenant tokens are JWTs your application signs with its private key for one tenant (claim `tenant` or `sub`: the customer id), ' +
    'with `iss` your application id, `aud` `syncwell` and an `exp`; the Hotglue v2 API accepts them as `token=`. Register the public key here (JWK or PEM); ' +
    'a private key is refused.';

  app.openapi(
    createRoute({
      method: 'put',
      path: PATH,
      tags,
      security,
      summary: 'Register the tenant token public key',
      description,
      ...EXT,
      request: jsonBody(keyInputSchema),
      responses: { 200: jsonResponse(keySchema, 'The registered key'), ...errorResponses },
    }),
    async (c) => c.json(await putTenantTokenKey(deps, c.get('applicationId'), c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: PATH,
      tags,
      security,
      summary: 'Get the tenant token public key',
      description,
      ...EXT,
      responses: { 200: jsonResponse(keySchema, 'The registered key'), ...errorResponses },
    }),
    async (c) => c.json(await getTenantTokenKey(deps, c.get('applicationId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: PATH,
      tags,
      security,
      summary: 'Remove the tenant token public key',
      description: 'Syncwell extension. Tenant tokens stop being accepted at once.',
      ...EXT,
      responses: { 204: { description: 'Removed' }, ...errorResponses },
    }),
    async (c) => {
      await deleteTenantTokenKey(deps, c.get('applicationId'));
      return c.body(null, 204);
    },
  );

  return app;
}
