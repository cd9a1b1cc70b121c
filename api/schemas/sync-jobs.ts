/** Sync jobs (Syncwell extension): the job descriptor and its list. */
import { z } from '@hono/zod-openapi';
import { SYNC_JOB_STATUSES } from '../../services/sync-jobs/inputs';

const EXT = { 'x-extension': true } as Record<string, unknown>;
const ext = (description: string) => ({ description: `Syncwell extension: ${description}`, ...EXT });

const objectStatus = z
  .enum(['JOB_CREATED', 'SYNC_STARTED', 'SYNC_SUCCESS', 'SYNC_FAILED'])
  .openapi({ description: "The object's progress: `JOB_CREATED` queued (behind a run in progress, with ignore_parallel_jobs), `SYNC_STARTED` its run is on, then its outcome." });

const syncJobObjectSchema = z.object({
  object_type: z.enum(['common', 'standard', 'custom']),
  object: z.string(),
  status: objectStatus,
  processed_rows: z.number().int().openapi({ description: 'Records written to the destination by this object’s run (live while it runs).' }),
  error: z.string().optional(),
});

export const syncJobSchema = z
  .object({
    job_id: z.string().openapi({ description: 'Also the Temporal workflow `sync-job:<job_id>`.' }),
    job_name: z.string().optional(),
    status: z
      .enum(SYNC_JOB_STATUSES)
      .openapi({ description: 'JOB_CREATED → SYNC_STARTED → SYNC_SUCCESS | SYNC_FAILED → JOB_COMPLETED (final); each change is a signed `job.*` webhook.' }),
    customer_id: z.string(),
    provider_name: z.string(),
    connection_id: z.string(),
    objects: z.array(syncJobObjectSchema),
    processed_rows: z.number().int(),
    start_time: z.string().openapi({ format: 'date-time' }),
    last_updated: z.string().openapi({ format: 'date-time' }),
    message: z.string().optional().openapi({ description: 'Why objects failed, when the job is SYNC_FAILED (or JOB_COMPLETED after it).' }),
    window: z
      .object({ start: z.string().openapi({ format: 'date-time' }), end: z.string().openapi({ format: 'date-time' }) })
      .optional()
      .openapi({ description: 'A backfill: the last-modified window synced, both ends inclusive.' }),
    reset_source_state: z.boolean(),
    full_sync: z.boolean(),
  })
  .openapi('sync_job', ext("a job running chosen object syncs of a connection now, with the job's overrides."));

export const syncJobPageSchema = z.object({ next: z.string().nullable(), previous: z.string().nullable(), total_count: z.number(), results: z.array(syncJobSchema) });

export const syncJobIdParam = z.object({
  job_id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'job_id', in: 'path' } }),
});
