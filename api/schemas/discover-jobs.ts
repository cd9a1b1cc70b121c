/** Response shape of the asynchronous discovery extension (services/connections/discover-jobs.ts). */
import { z } from '@hono/zod-openapi';
import { discoverResponseSchema } from './connectors';

const EXT = { 'x-extension': true } as Record<string, unknown>;

export const discoverStatusSchema = z
  .object({
    status: z.enum(['not_started', 'running', 'succeeded', 'failed']),
    catalog: discoverResponseSchema.optional().openapi({ description: 'When succeeded: the objects and fields discovered, as `_discover` answers.' }),
    error: z.string().optional().openapi({ description: 'When failed: the cause, as the provider or the worker gave it.' }),
    started_at: z.string().optional(),
    updated_at: z.string().optional(),
  })
  .openapi('discover_status', { description: 'Syncwell extension: the latest asynchronous discovery of a connection.', ...EXT });
