import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { listSyncJobsQuery, syncJobInputSchema } from '../../services/sync-jobs/inputs';
import { getSyncJob, listSyncJobs, startSyncJob } from '../../services/sync-jobs/sync-jobs';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonResponse, security, withOpenApi } from '../schemas/common';
import { connectionPathParams } from '../schemas/connections';
import { syncJobIdParam, syncJobPageSchema, syncJobSchema } from '../schemas/sync-jobs';
import { validationHook } from '../validation';

const EXT = { 'x-extension': true } as Record<string, unknown>;
const tags = ['Sync jobs'];

/** Syncwell extension: run chosen object syncs of a connection now, with overrides (a backfill window, a reset, a full run). */
export function syncJobRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/{customer_id}/connections/{provider_name}/_sync_jobs',
      tags,
      security,
      summary: 'Run a sync job now',
      description:
        "Syncwell extension. Runs the connection's object syncs now (all, or `objects`), each as a run of that sync (so never beside another run of it), and answers 202 with the job descriptor (also at `Location`). " +
        "`start_date`/`end_date` backfill that window of last-modified times only: the sync's incremental cursor does not move, so its next scheduled run still picks up only new changes. " +
        'The window is read in sub-windows of a day (at most 30; a longer window gets wider ones), each committed when done, so a crash resumes at the sub-window it was in. ' +
        'Providers filter by a lower bound only: each sub-window reads from its start onward and drops what lies after its end, so a backfill of n sub-windows reads up to n times the records of one pass. ' +
        '`reset_source_state` clears each sync’s state first (the run is full); `full_sync` runs full (soft-deleting records gone at the provider). ' +
        'A selected sync with a run in progress (or queued for another job) is a 409 naming it, unless `ignore_parallel_jobs: true`, which runs this job right after it. ' +
        'Each status change is a signed `job.*` webhook; the job is the Temporal workflow `sync-job:<job_id>`.',
      ...EXT,
      request: { params: connectionPathParams, body: { required: true, content: { 'application/json': { schema: withOpenApi(syncJobInputSchema) } } } },
      responses: {
        202: { ...jsonResponse(syncJobSchema, 'Queued: the job descriptor'), headers: { Location: { description: 'Where to poll the job', schema: { type: 'string' } } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { customer_id, provider_name } = c.req.valid('param');
      const job = await startSyncJob(deps, c.get('applicationId'), customer_id, provider_name, c.req.valid('json'));
      c.header('Location', `/mgmt/v2/sync_jobs/${job.job_id}`);
      return c.json(job, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sync_jobs',
      tags,
      security,
      summary: 'List sync jobs',
      description: "Syncwell extension. The application's sync jobs, newest first, filtered by status, customer, provider, connection and creation time.",
      ...EXT,
      request: { query: withOpenApi(listSyncJobsQuery) },
      responses: { 200: jsonResponse(syncJobPageSchema, 'Sync jobs'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const page = await listSyncJobs(deps, c.get('applicationId'), {
        status: q.status,
        customerId: q.customer_id,
        providerName: q.provider_name,
        connectionId: q.connection_id,
        createdAfter: q.created_after ? new Date(q.created_after) : undefined,
        createdBefore: q.created_before ? new Date(q.created_before) : undefined,
        cursor: q.cursor,
        pageSize: q.page_size === undefined ? undefined : Number(q.page_size),
      });
      return c.json(page, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sync_jobs/{job_id}',
      tags,
      security,
      summary: 'Get a sync job',
      description: 'Syncwell extension. The job descriptor: its status, each object’s status and processed rows (live while it runs).',
      ...EXT,
      request: { params: syncJobIdParam },
      responses: { 200: jsonResponse(syncJobSchema, 'The sync job'), ...errorResponses },
    }),
    async (c) => c.json(await getSyncJob(deps, c.get('applicationId'), c.req.valid('param').job_id), 200),
  );

  return app;
}
