import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import * as customers from '../../services/tenants/customers';
import type { AppDeps, AuthedEnv } from '../deps';
import { createUpdateCustomerSchema, customerIdParam, customerSchema } from '../schemas/customers';
import { errorResponses, jsonBody, jsonResponse, security } from '../schemas/common';
import { validationHook } from '../validation';

const tags = ['Customers'];

export function customerRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers',
      tags,
      security,
      summary: 'List customers',
      responses: { 200: jsonResponse(z.array(customerSchema), 'Customers'), ...errorResponses },
    }),
    async (c) => c.json(await customers.listCustomers(deps, c.get('applicationId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/customers',
      tags,
      security,
      summary: 'Upsert customer',
      request: jsonBody(createUpdateCustomerSchema),
      responses: { 200: jsonResponse(customerSchema, 'Customer created or updated'), ...errorResponses },
    }),
    async (c) => c.json(await customers.upsertCustomer(deps, c.get('applicationId'), c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/{customer_id}',
      tags,
      security,
      summary: 'Get customer',
      request: { params: customerIdParam },
      responses: { 200: jsonResponse(customerSchema, 'Customer'), ...errorResponses },
    }),
    async (c) => c.json(await customers.getCustomer(deps, c.get('applicationId'), c.req.valid('param').customer_id), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/customers/{customer_id}',
      tags,
      security,
      summary: 'Delete customer (and its connections and syncs)',
      request: { params: customerIdParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses },
    }),
    async (c) => {
      await customers.deleteCustomer(deps, c.get('applicationId'), c.req.valid('param').customer_id);
      return c.body(null, 204);
    },
  );

  return app;
}
