import { z } from '@hono/zod-openapi';

export const createUpdateCustomerSchema = z
  .object({
    customer_id: z.string().min(1).max(255),
    name: z.string().max(1000),
    email: z.string().max(1000),
  })
  .openapi('create_update_customer');

export const customerSchema = z
  .object({
    application_id: z.string(),
    customer_id: z.string(),
    name: z.string(),
    email: z.string(),
    connections: z.array(z.record(z.string(), z.unknown())).optional(),
  })
  .openapi('customer');

export const customerIdParam = z.object({
  customer_id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'customer_id', in: 'path' } }),
});
