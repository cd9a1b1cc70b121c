/** The list's Cycle-style query: `page[number]`, `page[size]`, `filter[state]`, `filter[search]`, `filter[vendor]`, `meta`. */
import { z } from '@hono/zod-openapi';

const positive = (max: number) =>
  z
    .string()
    .regex(/^[1-9]\d*$/, 'must be a positive integer')
    .refine((v) => Number(v) <= max, `at most ${max}`);

export const metaQuery = z.object({
  meta: z
    .string()
    .regex(/^definition(,definition)*$/, 'the only meta value is definition')
    .optional()
    .openapi({ description: 'A comma separated list of meta values: `definition` puts the integration definition under `meta`' }),
});

export const listQuery = metaQuery.extend({
  'page[number]': positive(1_000_000).optional().openapi({ description: 'The page, from 1 (default 1)' }),
  'page[size]': positive(100).optional().openapi({ description: 'Results per page, 1 to 100 (default 20)' }),
  'filter[state]': z
    .string()
    .regex(/^(new|verifying|live|failed|deleting)(,(new|verifying|live|failed|deleting))*$/, 'comma-separated states: new, verifying, live, failed, deleting')
    .optional()
    .openapi({ description: 'Only integrations in these states (comma-separated)' }),
  'filter[search]': z.string().min(1).max(200).optional().openapi({ description: 'A case-insensitive substring of the name, identifier or vendor' }),
  'filter[vendor]': z.string().min(1).optional().openapi({ description: 'Only integrations of this vendor' }),
});

export const integrationIdParam = z.object({
  integrationId: z
    .string()
    .regex(/^[a-f0-9]{24}$/, 'must be 24 lowercase hex digits (^[a-f0-9]{24}$)')
    .openapi({ param: { name: 'integrationId', in: 'path' }, example: '5f2b9c1e8a7d4e3f2a1b0c9d' }),
});

export const jobIdParam = z.object({
  jobId: z
    .string()
    .min(1)
    .openapi({ param: { name: 'jobId', in: 'path' } }),
});

export const taskBody = z.object({ action: z.enum(['verify']).openapi({ description: 'The type of Job to create' }) }).strict();
