import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import * as jobs from '../../services/jobs/jobs';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonResponse, security } from '../schemas/common';
import { destinationIdParam } from '../schemas/destinations';
import { jobIdParam, jobSchema } from '../schemas/jobs';
import { validationHook } from '../validation';
import { writeJobResultsSchema } from '../schemas/writes';
import { listWriteJobResults } from '../../services/writes/write-jobs';
import { pageSize, paginationQuery } from '../../lib/pagination';

const EXT = { 'x-extension': true } as Record<string, unknown>;

/** Syncwell extension: async jobs (202 + a pollable job descriptor), starting with destination connection tests. */
export function jobRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/destinations/{destination_id}/_test',
      tags: ['Destinations'],
      security,
      summary: 'Test a destination connection (async job)',
      description:
        'Syncwell extension (not in the Supaglue API). Queues a connection test of the destination as it is now (connect, create and drop a probe table or object, or POST an empty batch) ' +
        'and answers 202 at once with a job descriptor; poll `GET /jobs/{job_id}` (also in the `Location` header) until `status` is `succeeded` or `failed`. ' +
        'A failed job carries a readable `error` (never a secret). Creating or updating a destination never waits for a test.',
      ...EXT,
      request: { params: destinationIdParam },
      responses: {
        202: {
          ...jsonResponse(jobSchema, 'Test queued: the job descriptor'),
          headers: { Location: { description: 'Where to poll the job', schema: { type: 'string' } } },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const job = await jobs.startDestinationTest(deps, c.get('applicationId'), c.req.valid('param').destination_id);
      c.header('Location', `/mgmt/v2/jobs/${job.id}`);
      return c.json(job, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/jobs/{job_id}',
      tags: ['Jobs'],
      security,
      summary: 'Get a job',
      description: 'Syncwell extension (not in the Supaglue API). The descriptor of an asynchronous job of your application.',
      ...EXT,
      request: { params: jobIdParam },
      responses: { 200: jsonResponse(jobSchema, 'The job'), ...errorResponses },
    }),
    async (c) => c.json(await jobs.getJob(deps, c.get('applicationId'), c.req.valid('param').job_id), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/jobs/{job_id}/results',
      tags: ['Jobs'],
      security,
      summary: "List a write job's per-record results",
      description:
        "Syncwell extension (not in the Supaglue API). Each record's outcome, in input order: `succeeded` with the provider's id, `failed` with the provider's reason, `unknown` (sent, answer lost: never resent), or `pending` (not written yet).",
      ...EXT,
      request: { params: jobIdParam, query: z.object(paginationQuery) },
      responses: { 200: jsonResponse(writeJobResultsSchema, 'Results'), ...errorResponses },
    }),
    async (c) => {
      const { cursor, page_size } = c.req.valid('query');
      return c.json(await listWriteJobResults(deps, c.get('applicationId'), c.req.valid('param').job_id, { cursor, pageSize: pageSize(page_size) }), 200);
    },
  );

  return app;
}
