/** Writes back into providers (Syncwell extension): a real-time write's answer and a write job's per-record results. */
import { z } from '@hono/zod-openapi';

const EXT = { 'x-extension': true } as Record<string, unknown>;
const ext = (description: string) => ({ description: `Syncwell extension: ${description}`, ...EXT });

export const writtenRecordSchema = z
  .object({
    id: z.string().openapi({ description: "The provider's id of the record.", example: '12345' }),
    operation: z.enum(['create', 'update', 'upsert']).openapi({ description: 'What was done; an upsert says `create` or `update` when the provider tells which.' }),
    record: z.record(z.string(), z.unknown()).openapi({
      description: "The record as the provider now holds it: the common model (with the provider's record in `raw_data`) for common objects, the provider's own record otherwise.",
    }),
  })
  .openapi('written_record', ext('the outcome of a real-time write.'));

export const idempotencyKeyHeader = z.object({
  'idempotency-key': z.string().min(1).max(255).optional().openapi({
    description:
      'Retries with the same key within 24 hours get the first outcome back (with `Idempotent-Replayed: true`) instead of writing again; the same key with a different body is a 422.',
  }),
});

const rejectionSchema = z.object({
  message: z.string().openapi({ description: "The provider's own message." }),
  field: z.string().optional().openapi({ description: 'The field the provider named.' }),
  code: z.string().optional().openapi({ description: "The provider's error code." }),
  status: z.number().int().optional(),
});

export const writeJobResultsSchema = z
  .object({
    next: z.string().nullable(),
    previous: z.string().nullable(),
    total_count: z.number().int(),
    results: z.array(
      z.object({
        index: z.number().int().openapi({ description: "The record's position in the job's input, from 0." }),
        status: z.enum(['pending', 'succeeded', 'failed', 'unknown']),
        id: z.string().optional().openapi({ description: "The provider's id of the record written (an update's: the record it targeted)." }),
        operation: z.string().optional(),
        error: rejectionSchema.optional().openapi({ description: 'failed: why the provider refused it; unknown: why its outcome is not known.' }),
      }),
    ),
  })
  .openapi('write_job_results', ext("each record's outcome, in input order."));

export const writeJobQuery = z.object({
  object_type: z.enum(['common', 'standard', 'custom']).optional().openapi({ description: 'NDJSON bodies: the object type (JSON bodies carry it in the body).' }),
  object: z.string().optional().openapi({ description: 'NDJSON bodies: the object.' }),
  operation: z.enum(['create', 'update', 'upsert']).optional().openapi({ description: 'NDJSON bodies: the operation.' }),
  match_field: z.string().optional().openapi({ description: 'NDJSON bodies: the upsert match field.' }),
});
