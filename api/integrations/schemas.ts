/** Response shapes of the integrations API, inside Cycle's `{ "data": … }` envelope. */
import { z } from '@hono/zod-openapi';
import type { JobResponse } from '../../services/jobs/jobs';
import type { IntegrationView } from '../../services/connections/integrations';

const field = z.object({ name: z.string(), caption: z.string(), required: z.boolean(), description: z.string().optional() });

export const definitionSchema = z
  .object({
    vendor: z.string().openapi({ description: 'What `vendor` of an integration names: the provider name' }),
    name: z.string(),
    category: z.string().openapi({ example: 'crm' }),
    description: z.string(),
    icon: z.string().optional(),
    auth_type: z.string(),
    source: z.enum(['builtin', 'declarative']),
    supports_write: z.boolean(),
    requires_verification: z.boolean().openapi({ description: 'A new integration (or one whose auth changed) stays `new`, its syncs unstarted, until a verify task succeeds' }),
    fields: z.object({ auth: z.array(field).openapi({ description: 'Keys of `auth` (secret)' }), extra: z.array(field).openapi({ description: 'Keys of `extra`' }) }),
  })
  .openapi('IntegrationDefinition');

const stateSchema = z.object({
  current: z.enum(['new', 'verifying', 'live', 'failed', 'deleting', 'deleted']),
  changed: z.string().openapi({ format: 'date-time' }),
  error: z.object({ message: z.string().openapi({ description: 'Why verification failed, as the provider said' }) }).optional(),
});

export const integrationSchema = z
  .object({
    id: z.string().openapi({ pattern: '^[a-f0-9]{24}$', example: '5f2b9c1e8a7d4e3f2a1b0c9d' }),
    hub_id: z.string().openapi({ description: 'The hub: your customer id' }),
    name: z.string().nullable(),
    identifier: z.string(),
    vendor: z.string(),
    extra: z.record(z.string(), z.unknown()).openapi({ description: 'The non-secret connector parameters. `auth` is write-only and never returned.' }),
    state: stateSchema,
    events: z.object({ created: z.string().openapi({ format: 'date-time' }), updated: z.string().openapi({ format: 'date-time' }) }),
    meta: z.object({ definition: definitionSchema.optional() }).optional().openapi({ description: 'With `meta=definition`' }),
  })
  .openapi('Integration');

const JOB_STATES = { queued: 'queued', running: 'running', succeeded: 'completed', failed: 'error' } as const;

export const jobDescriptorSchema = z
  .object({
    id: z.string().openapi({ description: 'The job id: poll `GET /v1/hubs/current/jobs/{jobId}` (also `GET /mgmt/v2/jobs/{job_id}`)' }),
    job_id: z.string().openapi({ description: 'The same as `id`' }),
    action: z.enum(['verify', 'delete']),
    integration_id: z.string(),
    state: z.object({
      current: z.enum(['queued', 'running', 'completed', 'error']),
      changed: z.string().openapi({ format: 'date-time' }),
      error: z.object({ message: z.string() }).optional(),
    }),
    events: z.object({ queued: z.string().openapi({ format: 'date-time' }), updated: z.string().openapi({ format: 'date-time' }) }),
  })
  .openapi('JobDescriptor');

export const data = <T extends z.ZodType>(schema: T) => z.object({ data: schema });

export function toIntegration(v: IntegrationView) {
  return {
    id: v.id,
    hub_id: v.hub_id,
    name: v.name,
    identifier: v.identifier,
    vendor: v.vendor,
    extra: v.extra,
    state: { current: v.state, changed: v.state_changed_at, ...(v.state === 'failed' && v.state_reason ? { error: { message: v.state_reason } } : {}) },
    events: { created: v.created_at, updated: v.updated_at },
    ...(v.definition ? { meta: { definition: v.definition } } : {}),
  };
}

export function toJobDescriptor(job: JobResponse) {
  return {
    id: job.id,
    job_id: job.id,
    action: job.type === 'connection_delete' ? ('delete' as const) : ('verify' as const),
    integration_id: job.connection?.integration_id ?? '',
    state: { current: JOB_STATES[job.status], changed: job.updated_at, ...(job.error ? { error: { message: job.error } } : {}) },
    events: { queued: job.created_at, updated: job.updated_at },
  };
}
