/** Async jobs (Syncwell extension): 202 + a job descriptor polled at GET /jobs/{job_id}. */
import { z } from '@hono/zod-openapi';

const EXT = { 'x-extension': true } as Record<string, unknown>;
const ext = (description: string) => ({ description: `Syncwell extension: ${description}`, ...EXT });

export const jobStatusSchema = z
  .enum(['queued', 'running', 'succeeded', 'failed'])
  .openapi('job_status', ext('queued → running → succeeded | failed; `succeeded` and `failed` are final.'));

export const jobSchema = z
  .object({
    id: z.string().openapi({ example: '6f1c2a8e-4b7d-4f0e-9a51-0c7d2e1b3a44' }),
    type: z.enum(['destination_test']).openapi({ description: 'What the job does. `destination_test`: a connection test of a destination.' }),
    status: jobStatusSchema,
    error: z.string().optional().openapi({
      description: 'Why the job failed, readable (never a secret). Present only when `status` is `failed`.',
      example: 'Postgres authentication failed for user "sync" at db.example.com:5432 (check the user and password)',
    }),
    created_at: z.string().openapi({ format: 'date-time' }),
    updated_at: z.string().openapi({ format: 'date-time' }),
    destination_id: z.string().openapi({ description: 'The destination the job is about.' }),
  })
  .openapi('job', ext('an asynchronous job. Poll `GET /jobs/{job_id}` until `status` is `succeeded` or `failed`.'));

export const jobIdParam = z.object({
  job_id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'job_id', in: 'path' } }),
});
