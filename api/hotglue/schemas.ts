/** The Hotglue v2 seed's parameters and bodies (hotglue-v2.openapi.json), as the routes validate them. */
import { z } from '@hono/zod-openapi';

const id = (description: string) => z.string().min(1).openapi({ description });

export const envParams = z.object({ env_id: id('Environment identifier: your application id') });
export const flowParams = envParams.extend({ flow_id: id('Flow identifier: a sync config id') });
export const tenantParams = flowParams.extend({ tenant: id('Tenant identifier: the customer id (yours)') });

const tokenQuery = z
  .string()
  .optional()
  .openapi({ description: 'A tenant token: a JWT your application signed for this tenant (docs/hotglue-v2.md); instead of, or with, x-api-key.' });
const flag = z
  .enum(['true', 'false'])
  .optional()
  .transform((v) => v === 'true');

export const authQuery = z.object({ token: tokenQuery });
export const connectorQuery = z.object({ connector_id: id('The linked connector: the provider name'), token: tokenQuery });
export const linkedConnectorsQuery = z.object({
  config: flag.openapi({ description: 'Also answer each linked source’s config (its parameters; never a secret)', type: 'boolean' }),
  catalog: flag.openapi({ description: 'Also answer the catalog stored by the latest discover', type: 'boolean' }),
  token: tokenQuery,
});
export const discoverQuery = connectorQuery.extend({ v2_source: flag.openapi({ description: 'Accepted and ignored: there is one discover here', type: 'boolean' }) });

/** `{ "<object>": { "<schema field>": "<provider field>" } }`: the customer's field mappings, per object. */
export const fieldMapSchema = z
  .record(z.string().min(1), z.record(z.string().min(1), z.string().min(1)))
  .openapi({ description: 'Per object, schema field → the provider field that feeds it (the connection’s field mappings)', example: { contacts: { email: 'Email' } } });

const scheduleSchema = z
  .object({
    schedule_expression: z.string().min(1).optional().openapi({ description: 'rate(30 minutes), or a cron expression with a fixed interval', example: 'rate(1 hour)' }),
    state: z.enum(['ENABLED', 'DISABLED']).optional().openapi({ description: 'DISABLED pauses the linked connector’s syncs, ENABLED resumes them' }),
  })
  .openapi('hotglue_schedule');

const configSchema = z
  .record(z.string(), z.unknown())
  .openapi({ description: 'The credentials and parameters, as the body of POST /mgmt/v2/customers/{id}/connections without provider_name: { type, api_key, params: {...} }' });

export const linkConnectorSchema = z
  .object({
    connector: z.object({
      id: id('The connector: the provider name of the flow'),
      config: configSchema.optional(),
      symlink: z.object({ id: z.string().optional(), tenant: z.string().optional(), type: z.string().optional() }).optional().openapi({ description: 'Not supported: refused' }),
    }),
    schedule: scheduleSchema.optional(),
    field_map: fieldMapSchema.optional(),
  })
  .openapi('LinkConnectorRequest');

export const updateLinkedConnectorSchema = z
  .object({
    connector_id: id('The linked connector: the provider name'),
    field_map: fieldMapSchema.optional(),
    config: configSchema.optional().openapi({ description: 'Not supported: refused (unlink and link again)' }),
    schedule: scheduleSchema.optional().openapi({ description: 'Syncwell extension: as in POST' }),
  })
  .openapi('UpdateLinkedConnectorRequest');

export const setStateSchema = z
  .object({ state: z.record(z.string(), z.unknown()).openapi({ description: '{ bookmarks: { "<object>": { cursor: "<ISO 8601>" } } }' }) })
  .openapi('SetConnectorStateRequest');

export const runJobSchema = z
  .object({
    connector_id: id('The linked connector: the provider name'),
    job_type: z.enum(['read', 'write']),
    job_name: z.string().optional(),
    override_start_date: z.string().optional().openapi({ description: 'read: backfill from this ISO 8601 date-time' }),
    override_end_date: z.string().optional().openapi({ description: 'read: backfill until this ISO 8601 date-time' }),
    reset_source_state: z.boolean().optional(),
    override_selected_tables: z.array(z.string().min(1)).optional().openapi({ description: 'read: the objects to sync (default: all of the flow)' }),
    override_source_config: z.record(z.string(), z.unknown()).optional().openapi({ description: 'Not supported: refused' }),
    override_target_config: z.record(z.string(), z.unknown()).optional().openapi({ description: 'Not supported: refused' }),
    override_connector_config: z.record(z.string(), z.unknown()).optional().openapi({ description: 'Not supported: refused' }),
    override_field_map: z.record(z.string(), z.unknown()).optional().openapi({ description: 'Not supported: refused' }),
    environment_variables: z.record(z.string(), z.unknown()).optional().openapi({ description: 'Not supported: refused' }),
    state: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: 'write: the write job, as POST …/_write_jobs takes it: { object_type, object, operation, match?, records: [...] }' }),
    streaming_job: z.boolean().optional().openapi({ description: 'Not supported: true is refused' }),
    ignore_parallel_jobs: z.boolean().optional(),
  })
  .openapi('RunJobRequest');
export type RunJobInput = z.infer<typeof runJobSchema>;

export const linkedConnectorSchema = z
  .object({
    id: z.string().openapi({ description: 'The connector id (provider name): connector_id elsewhere' }),
    tap: z.string(),
    label: z.string(),
    domain: z.string().optional(),
    icon: z.string().optional(),
    type: z.string().optional().openapi({ description: 'The connector’s auth type' }),
    fieldMap: z.record(z.string(), z.record(z.string(), z.string())),
    schedule: scheduleSchema,
    config: z.record(z.string(), z.unknown()).optional().openapi({ description: 'With config=true: the parameters (never a secret)' }),
    catalog: z.unknown().optional().openapi({ description: 'With catalog=true: the catalog of the latest discover, null before one' }),
  })
  .openapi('LinkedConnector');

export const connectorStateSchema = z.object({ bookmarks: z.record(z.string(), z.unknown()) }).openapi('ConnectorState');

export const jobSchema = z
  .object({
    job_id: z.string(),
    env_id: z.string(),
    flow_id: z.string(),
    job_name: z.string(),
    tenant: z.string(),
    started_by: z.string(),
    start_time: z.string(),
    tap: z.string(),
    status: z.enum([
      'JOB_CREATED',
      'DISCOVER_STARTED',
      'DISCOVER_FAILED',
      'SYNC_STARTED',
      'SYNC_FAILED',
      'SYNC_SUCCESS',
      'ETL_STARTED',
      'ETL_FAILED',
      'ETL_SUCCESS',
      'EXPORT_STARTED',
      'EXPORT_FAILED',
      'JOB_COMPLETED',
    ]),
    scheduled_job: z.boolean(),
    message: z.string().optional(),
    last_updated: z.string(),
    processed_rows: z.number().int(),
    state: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('Job');

export const emptyOk = z.object({}).openapi('EmptyOk');
