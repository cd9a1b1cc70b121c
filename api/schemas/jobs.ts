/** Async jobs (Syncwell extension): 202 + a job descriptor polled at GET /jobs/{job_id}. */
import { z } from '@hono/zod-openapi';

const EXT = { 'x-extension': true } as Record<string, unknown>;
const ext = (description: string) => ({ description: `Syncwell extension: ${description}`, ...EXT });

export const jobStatusSchema = z
  .enum(['queued', 'running', 'succeeded', 'failed'])
  .openapi('job_status', ext('queued → running → succeeded | failed; `succeeded` and `failed` are final.'));

const writeJobViewSchema = z
  .object({
    customer_id: z.string(),
    provider_name: z.string(),
    object_type: z.enum(['common', 'standard', 'custom']),
    object: z.string(),
    operation: z.enum(['create', 'update', 'upsert']),
    match_field: z.string().optional(),
    records_total: z.number().int(),
    records_succeeded: z.number().int(),
    records_failed: z.number().int().openapi({ description: 'Refused by the provider: see `GET /jobs/{job_id}/results` for each reason.' }),
    records_unknown: z.number().int().openapi({
      description:
        'Sent to the provider, but its answer was lost (a timeout, a 5xx, a lost worker during a create): not sent again, so never written twice; check them in the provider.',
    }),
    records_pending: z.number().int().openapi({ description: 'Not written yet; once the job failed, never written.' }),
  })
  .openapi('write_job', ext('what a write job writes and how far it got.'));

export const jobSchema = z
  .object({
    id: z.string().openapi({ example: '6f1c2a8e-4b7d-4f0e-9a51-0c7d2e1b3a44' }),
    type: z.enum(['destination_test', 'write', 'connection_verify', 'connection_delete']).openapi({
      description:
        "What the job does. `destination_test`: a connection test of a destination; `write`: records written to a connection's provider; `connection_verify`: a live check of a connection's credentials; `connection_delete`: a connection deleted with its syncs.",
    }),
    status: jobStatusSchema,
    error: z.string().optional().openapi({
      description: 'Why the job failed, readable (never a secret). Present only when `status` is `failed`.',
      example: 'Postgres authentication failed for user "sync" at db.example.com:5432 (check the user and password)',
    }),
    created_at: z.string().openapi({ format: 'date-time' }),
    updated_at: z.string().openapi({ format: 'date-time' }),
    destination_id: z.string().optional().openapi({ description: 'destination_test: the destination the job is about.' }),
    write: writeJobViewSchema.optional(),
    connection: z
      .object({ customer_id: z.string(), provider_name: z.string(), integration_id: z.string().openapi({ description: 'The id the integrations API (/v1) gives the connection' }) })
      .optional()
      .openapi({ description: 'connection_verify, connection_delete: the connection the job is about (kept after a delete).' }),
  })
  .openapi('job', ext('an asynchronous job. Poll `GET /jobs/{job_id}` until `status` is `succeeded` or `failed`.'));

export const jobIdParam = z.object({
  job_id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'job_id', in: 'path' } }),
});
