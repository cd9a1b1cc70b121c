/** The /mgmt/v2 extensions of the connection list (paging, filters) and of its delete (async). */
import { z } from '@hono/zod-openapi';
import { integrationStateFilter } from '../../services/connections/integration-inputs';
import { paginationQuery } from '../../lib/pagination';
import { connectionSchema } from './connections';

const EXT = { 'x-extension': true } as Record<string, unknown>;
/** Marks the query parameter itself, not only its schema. */
const extParam = (name: string) => ({ param: { name, in: 'query' as const, ...EXT } });

export const connectionListQuery = z.object({
  ...paginationQuery,
  state: z
    .string()
    .regex(/^(new|verifying|live|failed|deleting)(,(new|verifying|live|failed|deleting))*$/, 'comma-separated states: new, verifying, live, failed, deleting')
    .optional()
    .openapi({ description: 'Syncwell extension: verification states, comma-separated (new, verifying, live, failed, deleting).', ...extParam('state') }),
  provider_name: z
    .string()
    .min(1)
    .optional()
    .openapi({ description: 'Syncwell extension: only connections to this provider.', ...extParam('provider_name') }),
  search: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: 'Syncwell extension: a case-insensitive substring of the name, identifier or provider name.', ...extParam('search') }),
});

export type StateFilter = z.infer<typeof integrationStateFilter>;

export const asyncDeleteQuery = z.object({
  async: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: 'Syncwell extension: `true` answers 202 with a delete job instead of deleting before answering.', ...extParam('async') }),
});

const pagedConnectionSchema = connectionSchema.extend({
  integration_id: z.string().openapi({ description: 'The id the integrations API (/v1) gives the connection' }),
  integration_state: integrationStateFilter,
  integration_state_reason: z.string().nullable().openapi({ description: "`failed`: the provider's reason" }),
});

export const connectionPageSchema = z
  .object({ next: z.string().nullable(), previous: z.string().nullable(), total_count: z.number().int(), results: z.array(pagedConnectionSchema) })
  .openapi('connections_page', { description: 'Syncwell extension: a page of connections.', ...EXT });
