/**
 * …/jobs: a read job is a sync job of the linked connector (services/sync-jobs: its objects, a
 * backfill window, a state reset); a write job is a write job (services/writes) whose body is `state`.
 * Both answer the seed's Job.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { InvalidInputError } from '../../lib/errors';
import type { SyncJobInput } from '../../services/sync-jobs/inputs';
import { startSyncJob, type SyncJobView } from '../../services/sync-jobs/sync-jobs';
import { writeJobSchema } from '../../services/writes/inputs';
import { startWriteJob } from '../../services/writes/write-jobs';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { jsonBody, jsonResponse } from '../schemas/common';
import { hotglueAccess, type HotglueEnv, type HotglueVariables } from './auth';
import { connectorOfFlow } from './connector-of-flow';
import { badField, errorResponses } from './errors';
import { jobSchema, type RunJobInput, runJobSchema, tenantParams, authQuery } from './schemas';
import { security } from './security';

/** Fields of the seed this product has no counterpart for: refused rather than silently ignored. */
const UNSUPPORTED = ['override_source_config', 'override_target_config', 'override_connector_config', 'override_field_map', 'environment_variables'] as const;
const READ_ONLY = ['override_start_date', 'override_end_date', 'reset_source_state', 'override_selected_tables', 'ignore_parallel_jobs'] as const;

function refuseUnsupported(body: RunJobInput): void {
  for (const field of UNSUPPORTED) if (body[field] !== undefined) throw badField(field, 'not supported here', 'not_supported');
  if (body.streaming_job) throw badField('streaming_job', 'streaming jobs are not supported', 'not_supported');
}

type ObjectType = 'common' | 'standard' | 'custom';

/** A selected table by name (`contacts`), or `<type>/<name>` where a name is in more than one list of the flow. */
function objectRef(flow: HotglueVariables['flow'], table: string): { object_type: ObjectType; object: string } {
  const typed = /^(common|standard|custom)\/(.+)$/.exec(table);
  if (typed) return { object_type: typed[1] as ObjectType, object: typed[2]! };
  for (const type of ['standard', 'custom', 'common'] as const) {
    const objects = (flow.config[`${type}_objects`] as Array<{ object: string }> | undefined) ?? [];
    if (objects.some((o) => o.object === table)) return { object_type: type, object: table };
  }
  // Not in the flow: the service refuses it by name.
  return { object_type: 'standard', object: table };
}

/** The sync job's field names → the seed's, so a 400 names what the caller sent. */
function seedField(path: string): string {
  return path
    .replace(/^objects\.(\d+)(\..*)?$/, 'override_selected_tables.$1')
    .replace(/^objects$/, 'override_selected_tables')
    .replace(/^start_date$/, 'override_start_date')
    .replace(/^end_date$/, 'override_end_date');
}

async function runReadJob(deps: AppDeps, v: HotglueVariables, provider: string, body: RunJobInput) {
  const input = {
    ...(body.override_selected_tables ? { objects: body.override_selected_tables.map((t) => objectRef(v.flow, t)) } : {}),
    ...(body.override_start_date !== undefined ? { start_date: body.override_start_date } : {}),
    ...(body.override_end_date !== undefined ? { end_date: body.override_end_date } : {}),
    ...(body.reset_source_state !== undefined ? { reset_source_state: body.reset_source_state } : {}),
    ...(body.ignore_parallel_jobs !== undefined ? { ignore_parallel_jobs: body.ignore_parallel_jobs } : {}),
    ...(body.job_name !== undefined ? { job_name: body.job_name } : {}),
  };
  let job: SyncJobView;
  try {
    job = await startSyncJob(deps, v.applicationId, v.tenant, provider, input as SyncJobInput);
  } catch (err) {
    if (!(err instanceof InvalidInputError) || err.issues.length === 0) throw err;
    const fields = err.issues.map((i) => ({ field: seedField(i.path), message: i.message, code: i.code }));
    throw new ApiError(400, 'VALIDATION_ERROR', err.summary ?? 'Invalid request', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
  }
  return {
    ...jobView(v, provider, { id: job.job_id, name: job.job_name ?? `read ${provider}`, status: job.status, processedRows: job.processed_rows }),
    start_time: job.start_time,
    last_updated: job.last_updated,
    ...(job.message ? { message: job.message } : {}),
    // Beyond the seed's Job: each object's own progress, and the backfill window.
    objects: job.objects,
    ...(job.window ? { window: job.window } : {}),
  };
}

/** The seed's Job for a job just created. */
function jobView(v: HotglueVariables, provider: string, job: { id: string; name: string; status: SyncJobView['status']; processedRows: number; state?: Record<string, unknown> }) {
  const now = new Date().toISOString();
  return {
    job_id: job.id,
    env_id: v.applicationId,
    flow_id: v.flow.id,
    job_name: job.name,
    tenant: v.tenant,
    started_by: v.startedBy,
    start_time: now,
    tap: provider,
    status: job.status,
    scheduled_job: false,
    last_updated: now,
    processed_rows: job.processedRows,
    ...(job.state ? { state: job.state } : {}),
  };
}

async function runWriteJob(deps: AppDeps, v: HotglueVariables, provider: string, body: RunJobInput) {
  for (const field of READ_ONLY) if (body[field] !== undefined) throw badField(field, 'only a read job takes it', 'read_only');
  if (body.state === undefined) throw badField('state', 'a write job carries what it writes in state: { object_type, object, operation, match?, records: [...] }', 'required');
  const parsed = writeJobSchema.safeParse(body.state);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => ({ field: ['state', ...i.path.map(String)].join('.'), message: i.message, code: i.code }));
    throw new ApiError(400, 'VALIDATION_ERROR', 'Invalid request', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
  }
  const id = await startWriteJob(deps, v.applicationId, v.tenant, provider, parsed.data);
  const { records, ...spec } = parsed.data;
  return jobView(v, provider, {
    id,
    name: body.job_name ?? `${parsed.data.operation} ${records.length} ${parsed.data.object}`,
    status: 'JOB_CREATED',
    processedRows: 0,
    state: { ...spec, records_total: records.length },
  });
}

export function mountJobs(app: OpenAPIHono<HotglueEnv>, deps: AppDeps): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/{env_id}/{flow_id}/{tenant}/jobs',
      tags: ['Jobs'],
      security,
      middleware: [hotglueAccess(deps, 'tenant')],
      summary: 'Run a job',
      description:
        'read: a sync job of the linked connector now, of override_selected_tables (default: all of the flow’s objects), optionally a backfill window (override_start_date/override_end_date, which leaves the incremental cursor where it is) or reset_source_state; a sync already running refuses it with 409 unless ignore_parallel_jobs queues it after. ' +
        'write: a write job; `state` is its body as POST /mgmt/v2/customers/{id}/connections/{provider}/_write_jobs takes it. The other override_* fields, environment_variables and streaming_job are refused.',
      request: { params: tenantParams, query: authQuery, ...jsonBody(runJobSchema) },
      responses: { 200: jsonResponse(jobSchema, 'Job created.'), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const v = { applicationId: c.get('applicationId'), flow: c.get('flow'), tenant: c.get('tenant'), startedBy: c.get('startedBy') };
      const provider = connectorOfFlow(v.flow, body.connector_id, 'connector_id');
      refuseUnsupported(body);
      if (body.job_type === 'write') return c.json(await runWriteJob(deps, v, provider, body), 200);
      if (body.state !== undefined) throw badField('state', 'a read job takes no state: set it with PUT …/linkedConnectors/state', 'write_only');
      return c.json(await runReadJob(deps, v, provider, body), 200);
    },
  );
}
