/**
 * Supaglue's CRM API v2 (supaglue-crm-v2.openapi.json) at /crm/v2: the action paths on one record
 * (create, update, upsert, get) over the real-time write service, addressed by x-customer-id and
 * x-provider-name, with the same x-api-key as /mgmt/v2. The reference's other operations answer 501.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { apiKeyAuth } from '../auth';
import type { AppDeps, AuthedEnv } from '../deps';
import { validationHook } from '../validation';
import { mountCommonObjects } from './common-objects';
import { mountNotImplemented } from './not-implemented';
import { mountObjectRecords } from './object-records';

export const CRM_BASE = '/crm/v2';
const OPENAPI_PATH = `${CRM_BASE}/openapi.json`;

export function crmRoutes(deps: AppDeps) {
  const crm = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });
  const auth = apiKeyAuth(deps);
  // As under /mgmt/v2: the OpenAPI document is public, everything else needs a key.
  crm.use('*', (c, next) => (c.req.path === OPENAPI_PATH ? next() : auth(c, next)));
  mountCommonObjects(crm, deps);
  mountObjectRecords(crm, deps);
  mountNotImplemented(crm);
  crm.openAPIRegistry.registerComponent('securitySchemes', 'x-api-key', { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'API key of your application' });
  crm.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Syncwell CRM API',
      version: '0.1.0',
      description:
        "Compatible with Supaglue's CRM API v2 for the action paths on one record: create, update, upsert and get (read live from the provider) of contacts, accounts, leads, opportunities, " +
        'standard and custom object records. Operations described "Not implemented in Syncwell" answer 501.',
    },
    servers: [{ url: CRM_BASE, description: 'this server' }],
  });
  return crm;
}
