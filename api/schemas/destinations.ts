import { z } from '@hono/zod-openapi';
import { noNulChars } from '../../lib/nul-chars';

const ext = (description: string) => ({ description: `Extension: ${description}`, 'x-extension': true }) as object;

const str = z.string().min(1).max(1000);
const secret = z.string().min(1).max(20_000);
const port = z.number().int().min(1).max(65535);
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
/** RFC 7230 token: what a header name may contain. */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a valid HTTP header name');
const headerValue = z.string().max(8000).regex(/^[^\r\n]*$/, 'must not contain line breaks');

// --- postgres -----------------------------------------------------------------------------
const sslMode = z.enum(['disable', 'no-verify', 'prefer', 'require', 'verify-ca', 'verify-full']);
const postgresSafe = {
  host: str,
  port,
  database: str,
  schema: str,
  user: str,
  ssl_mode: sslMode.optional(),
  server_ca_cert: z.string().max(20_000).optional(),
  client_cert: z.string().max(20_000).optional(),
  server_name: str.optional(),
};
export const postgresConfigUnsafe = z
  .object({ ...postgresSafe, password: secret, client_key: secret.optional() })
  .openapi('postgres_config_unsafe');
export const postgresConfigAtLeastSafe = z
  .object({ ...postgresSafe, password: secret.optional(), client_key: secret.optional() })
  .openapi('postgres_config_at_least_safe', { description: 'Omitted secrets keep their stored value.' });
export const postgresConfigSafe = z.object(postgresSafe).openapi('postgres_config_safe');

// --- bigquery -----------------------------------------------------------------------------
const bigquerySafe = {
  project_id: str,
  dataset: str,
  location: str.optional().openapi(ext('dataset location (e.g. US, EU) used when the dataset has to be created.')),
  api_endpoint: httpUrl.optional().openapi(ext('BigQuery-compatible endpoint (emulators).')),
};
export const bigqueryConfigUnsafe = z
  .object({
    ...bigquerySafe,
    credentials: z.looseObject({ client_email: str, private_key: secret }).openapi({
      description: 'Service account key: `client_email` and `private_key` (other key-file fields are accepted and kept secret too).',
    }),
  })
  .openapi('bigquery_config_unsafe');
export const bigqueryConfigAtLeastSafe = z
  .object({ ...bigquerySafe, credentials: z.looseObject({ client_email: str, private_key: secret.optional() }) })
  .openapi('bigquery_config_at_least_safe', { description: 'Omitted secrets keep their stored value.' });
export const bigqueryConfigSafe = z
  .object({ ...bigquerySafe, credentials: z.object({ client_email: z.string() }) })
  .openapi('bigquery_config_safe');

// --- snowflake ----------------------------------------------------------------------------
const snowflakeSafe = { host: str, role: str, warehouse: str, database: str, schema: str, username: str };
export const snowflakeConfigUnsafe = z.object({ ...snowflakeSafe, password: secret }).openapi('snowflake_config_unsafe');
export const snowflakeConfigAtLeastSafe = z
  .object({ ...snowflakeSafe, password: secret.optional() })
  .openapi('snowflake_config_at_least_safe', { description: 'Omitted secrets keep their stored value.' });
export const snowflakeConfigSafe = z.object(snowflakeSafe).openapi('snowflake_config_safe');

// --- redshift -----------------------------------------------------------------------------
const redshiftSafe = {
  host: str,
  port,
  username: str,
  database: str,
  schema: str,
  upload_method: str,
  s3_key_id: str,
  s3_bucket_name: str,
  s3_bucket_region: str,
};
const redshiftPassword = secret.optional().openapi(ext('database password.'));
export const redshiftConfigUnsafe = z
  .object({ ...redshiftSafe, s3_access_key: secret, password: redshiftPassword })
  .openapi('redshift_config_unsafe');
export const redshiftConfigAtLeastSafe = z
  .object({ ...redshiftSafe, s3_access_key: secret.optional(), password: redshiftPassword })
  .openapi('redshift_config_at_least_safe', { description: 'Omitted secrets keep their stored value.' });
export const redshiftConfigSafe = z.object(redshiftSafe).openapi('redshift_config_safe');

// --- s3 -----------------------------------------------------------------------------------
const s3Safe = {
  bucket: str,
  region: str,
  access_key_id: str,
  endpoint: httpUrl.optional().openapi(ext('endpoint of an S3-compatible store (MinIO, R2, ...).')),
  force_path_style: z.boolean().optional().openapi(ext('path-style addressing, needed by most S3-compatible stores.')),
  prefix: z.string().max(1000).optional().openapi(ext('key prefix inside the bucket.')),
};
export const s3ConfigUnsafe = z.object({ ...s3Safe, secret_access_key: secret }).openapi('s3_config_unsafe');
export const s3ConfigAtLeastSafe = z
  .object({ ...s3Safe, secret_access_key: secret.optional() })
  .openapi('s3_config_at_least_safe', { description: 'Omitted secrets keep their stored value.' });
export const s3ConfigSafe = z.object(s3Safe).openapi('s3_config_safe');

// --- api (extension) ----------------------------------------------------------------------
const authVariants = (required: boolean) => {
  const s = required ? secret : secret.optional();
  return z.discriminatedUnion('type', [
    z.object({ type: z.literal('bearer'), token: s }),
    z.object({ type: z.literal('basic'), username: str, password: s }),
    z.object({ type: z.literal('api_key'), header: headerName, value: s }),
  ]);
};
const apiSafe = {
  url: httpUrl,
  headers: z.record(headerName, headerValue).optional(),
  batch_size: z.number().int().min(1).max(10_000).default(100),
};
export const apiConfigUnsafe = z
  .object({ ...apiSafe, auth: authVariants(true).optional() })
  .openapi('api_config_unsafe', ext('HTTP API destination: records are POSTed as JSON batches to `url`.'));
export const apiConfigAtLeastSafe = z
  .object({ ...apiSafe, auth: authVariants(false).optional() })
  .openapi('api_config_at_least_safe', ext('HTTP API destination; omitted secrets keep their stored value.'));
export const apiConfigSafe = z
  .object({
    ...apiSafe,
    batch_size: z.number().int(),
    auth: z
      .object({ type: z.enum(['bearer', 'basic', 'api_key']), username: z.string().optional(), header: z.string().optional() })
      .optional()
      .openapi({ description: 'The auth type without its secret (token, password, value).' }),
  })
  .openapi('api_config_safe', ext('HTTP API destination.'));

// --- bodies -------------------------------------------------------------------------------
const name = z.string().min(1).max(255);
const version = z.number().int().min(1).openapi({ description: 'The version this update is based on; a stale version is refused with 409.' });

export const createDestinationSchema = z
  .discriminatedUnion('type', [
    z.object({ name, type: z.literal('postgres'), config: postgresConfigUnsafe }).openapi({ title: 'postgres' }),
    z
      .object({ type: z.literal('supaglue'), name: name.optional() })
      .openapi({ title: 'supaglue', description: 'A Supaglue-hosted Postgres database destination: not supported (422).' }),
    z.object({ name, type: z.literal('bigquery'), config: bigqueryConfigUnsafe }).openapi({ title: 'bigquery' }),
    z.object({ name, type: z.literal('snowflake'), config: snowflakeConfigUnsafe }).openapi({ title: 'snowflake' }),
    z.object({ name, type: z.literal('redshift'), config: redshiftConfigUnsafe }).openapi({ title: 'redshift' }),
    z.object({ name, type: z.literal('s3'), config: s3ConfigUnsafe }).openapi({ title: 's3' }),
    z.object({ name, type: z.literal('api'), config: apiConfigUnsafe }).openapi({ title: 'api', ...ext('HTTP API destination.') }),
  ])
  .superRefine(noNulChars)
  .openapi('create_destination');

export const updateDestinationSchema = z
  .discriminatedUnion('type', [
    z.object({ name, type: z.literal('postgres'), config: postgresConfigAtLeastSafe, version }).openapi({ title: 'postgres' }),
    z.object({ name, type: z.literal('bigquery'), config: bigqueryConfigAtLeastSafe, version }).openapi({ title: 'bigquery' }),
    z.object({ name, type: z.literal('snowflake'), config: snowflakeConfigAtLeastSafe, version }).openapi({ title: 'snowflake' }),
    z.object({ name, type: z.literal('redshift'), config: redshiftConfigAtLeastSafe, version }).openapi({ title: 'redshift' }),
    z.object({ name, type: z.literal('s3'), config: s3ConfigAtLeastSafe, version }).openapi({ title: 's3' }),
    z.object({ name, type: z.literal('api'), config: apiConfigAtLeastSafe, version }).openapi({ title: 'api', ...ext('HTTP API destination.') }),
  ])
  .superRefine(noNulChars)
  .openapi('update_destination', { description: 'Secrets may be omitted to keep the stored ones (same type only).' });

const common = { id: z.string(), application_id: z.string(), name: z.string(), version: z.number().openapi({ description: 'A monotonically increasing version number of the destination configuration' }) };
export const destinationSchema = z
  .discriminatedUnion('type', [
    z.object({ ...common, type: z.literal('postgres'), config: postgresConfigSafe }).openapi({ title: 'postgres' }),
    z.object({ ...common, type: z.literal('bigquery'), config: bigqueryConfigSafe }).openapi({ title: 'bigquery' }),
    z.object({ ...common, type: z.literal('snowflake'), config: snowflakeConfigSafe }).openapi({ title: 'snowflake' }),
    z.object({ ...common, type: z.literal('redshift'), config: redshiftConfigSafe }).openapi({ title: 'redshift' }),
    z.object({ ...common, type: z.literal('s3'), config: s3ConfigSafe }).openapi({ title: 's3' }),
    z.object({ ...common, type: z.literal('api'), config: apiConfigSafe }).openapi({ title: 'api', ...ext('HTTP API destination.') }),
  ])
  .openapi('destination', { description: 'Secrets (passwords, secret keys, private keys, tokens) are never returned.' });

/** Full (unsafe) config schema per supported type: what a stored config plus its secrets must satisfy. */
export const unsafeConfigSchemas = {
  postgres: postgresConfigUnsafe,
  bigquery: bigqueryConfigUnsafe,
  snowflake: snowflakeConfigUnsafe,
  redshift: redshiftConfigUnsafe,
  s3: s3ConfigUnsafe,
  api: apiConfigUnsafe,
} as const;

export type DestinationType = keyof typeof unsafeConfigSchemas;
export type CreateDestinationInput = z.infer<typeof createDestinationSchema>;
export type UpdateDestinationInput = z.infer<typeof updateDestinationSchema>;
export type DestinationResponse = z.infer<typeof destinationSchema>;

export const destinationIdParam = z.object({
  destination_id: z.string().min(1).openapi({ param: { name: 'destination_id', in: 'path' } }),
});
