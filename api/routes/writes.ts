import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../errors';
import * as jobs from '../../services/jobs/jobs';
import { MAX_WRITE_JOB_RECORDS, realtimeWriteSchema, writeJobSchema, type WriteJobInput } from '../../services/writes/inputs';
import { writeRecord } from '../../services/writes/realtime';
import { startWriteJob } from '../../services/writes/write-jobs';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonResponse, remoteProviderErrorResponse, security, withOpenApi } from '../schemas/common';
import { connectionPathParams } from '../schemas/connections';
import { jobSchema } from '../schemas/jobs';
import { idempotencyKeyHeader, writeJobQuery, writtenRecordSchema } from '../schemas/writes';
import { validationError, validationHook } from '../validation';

const EXT = { 'x-extension': true } as Record<string, unknown>;
const tags = ['Writes'];
const NDJSON = /^application\/(x-)?ndjson$/i;
/** 100,000 records of a few KB each. */
const MAX_JOB_BODY_BYTES = 512 * 1024 * 1024;

/** NDJSON: one record per line, the job's target in the query. */
function parseNdjson(text: string, query: z.infer<typeof writeJobQuery>): unknown {
  const records: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      throw new ApiError(400, 'BAD_REQUEST_ERROR', 'Bad request', `Line ${i + 1} of the NDJSON body is not JSON`, {
        location: 'body',
        fields: [{ field: `records.${records.length}`, message: `line ${i + 1} is not JSON`, code: 'invalid_json' }],
      });
    }
    if (records.length > MAX_WRITE_JOB_RECORDS) break;
  }
  return { object_type: query.object_type, object: query.object, operation: query.operation, ...(query.match_field ? { match: { field: query.match_field } } : {}), records };
}

/** Syncwell extension: writes into the customer's provider, one record at once or many as a job. */
export function writeRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/{customer_id}/connections/{provider_name}/_write',
      tags,
      security,
      summary: 'Write one record to the provider (real-time)',
      description:
        "Syncwell extension. Creates, updates or upserts one record in the customer's provider and answers with the provider's id and the record as it now holds it. " +
        "The write goes through the connection's HTTP runtime (OAuth refresh, rate limit, Retry-After). A record the provider refuses is a 4xx carrying its own message, `meta.field` and `meta.provider_code` " +
        '(409 for a duplicate, 404 for an update of an unknown id, 422 otherwise); an object or operation the provider cannot write is a field-level 400; a provider outage is 499. ' +
        'A 499 whose message says the provider may have carried it out was not sent again: check the provider before retrying a create.',
      ...EXT,
      request: {
        params: connectionPathParams,
        headers: idempotencyKeyHeader,
        body: { required: true, content: { 'application/json': { schema: withOpenApi(realtimeWriteSchema) } } },
      },
      responses: {
        200: {
          ...jsonResponse(writtenRecordSchema, 'Written'),
          headers: { 'Idempotent-Replayed': { description: '`true` when answered from an earlier request with the same Idempotency-Key', schema: { type: 'string' } } },
        },
        ...errorResponses,
        ...remoteProviderErrorResponse,
      },
    }),
    async (c) => {
      const { customer_id, provider_name } = c.req.valid('param');
      const key = c.req.valid('header')['idempotency-key'];
      const { result, replayed } = await writeRecord(
        deps,
        c.get('applicationId'),
        customer_id,
        provider_name,
        c.req.valid('json'),
        key !== undefined ? { idempotencyKey: key } : {},
      );
      if (replayed) c.header('Idempotent-Replayed', 'true');
      return c.json(result, 200);
    },
  );

  app.use(
    '/customers/:customer_id/connections/:provider_name/_write_jobs',
    bodyLimit({
      maxSize: MAX_JOB_BODY_BYTES,
      onError: (c) => c.json(new ApiError(413, 'PAYLOAD_TOO_LARGE', 'Payload too large', `A write job body may be at most ${MAX_JOB_BODY_BYTES / 1024 / 1024} MB`).toBody(), 413),
    }),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/{customer_id}/connections/{provider_name}/_write_jobs',
      tags,
      security,
      summary: 'Write many records to the provider (async job)',
      description:
        `Syncwell extension. Queues up to ${MAX_WRITE_JOB_RECORDS.toLocaleString('en')} records and answers 202 with a job descriptor (also in \`Location\`). A Temporal workflow writes them in the provider's batch sizes within the connection's rate limits, shared with its syncs; ` +
        'a crash resumes where it was without writing a record twice (an interrupted create batch is reported `unknown`, never resent). ' +
        'Poll `GET /jobs/{job_id}` for status and counts and `GET /jobs/{job_id}/results` for each record; a signed `write_job.complete` webhook marks the end. ' +
        'The body (required) is JSON (`records` array) or NDJSON (`Content-Type: application/x-ndjson`, one record per line, the target in the query).',
      ...EXT,
      request: {
        params: connectionPathParams,
        query: writeJobQuery,
        body: {
          required: false,
          content: {
            'application/json': { schema: withOpenApi(writeJobSchema) },
            'application/x-ndjson': { schema: z.string().openapi({ description: 'One JSON record per line' }) },
          },
        },
      },
      responses: {
        202: { ...jsonResponse(jobSchema, 'Queued: the job descriptor'), headers: { Location: { description: 'Where to poll the job', schema: { type: 'string' } } } },
        ...errorResponses,
        413: { description: 'Body too large' },
      },
    }),
    async (c) => {
      const { customer_id, provider_name } = c.req.valid('param');
      const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim();
      let input: WriteJobInput;
      if (NDJSON.test(mediaType)) {
        const parsed = writeJobSchema.safeParse(parseNdjson(await c.req.text(), c.req.valid('query')));
        if (!parsed.success) throw validationError('json', parsed.error);
        input = parsed.data;
      } else if (/json/i.test(mediaType)) {
        input = c.req.valid('json') as WriteJobInput;
      } else {
        throw new ApiError(400, 'BAD_REQUEST_ERROR', 'Bad request', 'The body must be JSON (Content-Type: application/json) or NDJSON (Content-Type: application/x-ndjson)', {
          location: 'json',
          fields: [{ field: '(root)', message: 'expected a JSON or NDJSON body', code: 'invalid_content_type' }],
        });
      }
      const jobId = await startWriteJob(deps, c.get('applicationId'), customer_id, provider_name, input);
      c.header('Location', `/mgmt/v2/jobs/${jobId}`);
      return c.json(await jobs.getJob(deps, c.get('applicationId'), jobId), 202);
    },
  );

  return app;
}
