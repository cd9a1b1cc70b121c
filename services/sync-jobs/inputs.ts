/**
 * What a sync job takes: which objects of the connection to run now, and how (a backfill window,
 * a reset of the sync state, a full run). Checks that need the connection (objects it syncs, a
 * run in progress) are the service's; here only what the body alone can tell.
 */
import { z } from 'zod';

const isoTime = (field: string) =>
  z
    .string()
    // A date-time needs its offset: without one, Date.parse would read it in the server's time zone.
    .refine((s) => /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(s) && !Number.isNaN(Date.parse(s)), {
      message: `${field} must be an ISO 8601 date (UTC midnight) or date-time with its offset (2026-01-31 or 2026-01-31T12:00:00Z)`,
    })
    .meta({ example: '2026-01-01T00:00:00Z' });

const objectRef = z
  .object({
    object_type: z.enum(['common', 'standard', 'custom']).meta({ description: 'As in sync configs.' }),
    object: z.string().min(1).meta({ example: 'contacts' }),
  })
  .meta({ id: 'sync_job_object_ref' });

const syncJobFields = {
  objects: z
    .array(objectRef)
    .min(1)
    .optional()
    .meta({ description: "The objects to run (Hotglue's `override_selected_tables`); each must be one the connection syncs. Default: every object sync of the connection." }),
  start_date: isoTime('start_date').optional().meta({
    description:
      "Backfill window start (`override_start_date`), inclusive. With `end_date`: only records whose last-modified time falls in the window are synced, and the sync's incremental cursor does not move.",
  }),
  end_date: isoTime('end_date').optional().meta({ description: 'Backfill window end (`override_end_date`), inclusive. Default with `start_date`: now.' }),
  reset_source_state: z.boolean().optional().meta({ description: "Clears each sync's state (cursor, boundary records) first, so the run is full." }),
  full_sync: z.boolean().optional().meta({ description: 'A full run (records gone at the provider are soft-deleted at the destination, as in any full run).' }),
  ignore_parallel_jobs: z.boolean().optional().meta({
    description:
      'A selected sync already running (or queued for another job): `true` queues this job to run right after it; otherwise (the default) the job is refused with 409 naming that run.',
  }),
  job_name: z.string().min(1).max(200).optional().meta({ example: 'January backfill' }),
};

export const syncJobInputSchema = z
  .object(syncJobFields)
  // Loose, not .strict(): strict's one issue names no field; here each unknown field is an issue at its name.
  .loose()
  .superRefine((body, ctx) => {
    for (const key of Object.keys(body)) {
      if (!(key in syncJobFields)) ctx.addIssue({ code: 'custom', path: [key], message: `not a field of a sync job (fields: ${Object.keys(syncJobFields).join(', ')})` });
    }
    if (body.end_date !== undefined && body.start_date === undefined) {
      ctx.addIssue({ code: 'custom', path: ['start_date'], message: 'end_date needs start_date: a window has both ends' });
    }
    if (body.start_date !== undefined && body.end_date !== undefined) {
      const [start, end] = [Date.parse(body.start_date), Date.parse(body.end_date)];
      if (!Number.isNaN(start) && !Number.isNaN(end) && start >= end) ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'end_date must be after start_date' });
    }
    if (body.start_date !== undefined) {
      if (body.full_sync)
        ctx.addIssue({ code: 'custom', path: ['full_sync'], message: 'a full run reads every record: it cannot be combined with a backfill window (start_date)' });
      if (body.reset_source_state) {
        ctx.addIssue({ code: 'custom', path: ['reset_source_state'], message: 'a reset makes the run full: it cannot be combined with a backfill window (start_date)' });
      }
    }
    const seen = new Set<string>();
    body.objects?.forEach((o, i) => {
      const key = `${o.object_type}:${o.object}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['objects', i, 'object'], message: `${o.object_type} object ${o.object} is listed twice` });
      seen.add(key);
    });
  })
  .meta({ id: 'sync_job_input' });

export type SyncJobInput = z.infer<typeof syncJobInputSchema>;

export const SYNC_JOB_STATUSES = ['JOB_CREATED', 'SYNC_STARTED', 'SYNC_SUCCESS', 'SYNC_FAILED', 'JOB_COMPLETED'] as const;

export const listSyncJobsQuery = z.object({
  status: z.enum(SYNC_JOB_STATUSES).optional(),
  customer_id: z.string().min(1).optional(),
  provider_name: z.string().min(1).optional(),
  connection_id: z.string().min(1).optional(),
  created_after: isoTime('created_after').optional().meta({ description: 'Jobs created after this time' }),
  created_before: isoTime('created_before').optional().meta({ description: 'Jobs created before this time' }),
  cursor: z.string().optional().meta({ description: 'The pagination cursor value' }),
  page_size: z.string().regex(/^\d+$/, 'must be a positive integer').optional().meta({ description: 'Number of results to return per page. (Max: 1000)' }),
});
