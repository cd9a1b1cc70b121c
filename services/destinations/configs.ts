/**
 * Destination configs per type, three ways: with its secrets (what a stored config plus its secrets
 * must satisfy), with optional secrets (an update may omit them to keep the stored ones) and without
 * (what callers see). `id` in `.meta()` names the schema in the API reference.
 */
import { z } from 'zod';

const ext = (description: string) => ({ description: `Extension: ${description}`, 'x-extension': true });
const keepsSecrets = { description: 'Omitted secrets keep their stored value.' };

const str = z.string().min(1).max(1000);
const secret = z.string().min(1).max(20_000);
const port = z.number().int().min(1).max(65535);
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
/** RFC 7230 token: what a header name may contain. */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a valid HTTP header name');
const headerValue = z
  .string()
  .max(8000)
  .regex(/^[^\r\n]*$/, 'must not contain line breaks');

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
export const postgresConfigUnsafe = z.object({ ...postgresSafe, password: secret, client_key: secret.optional() }).meta({ id: 'postgres_config_unsafe' });
export const postgresConfigAtLeastSafe = z
  .object({ ...postgresSafe, password: secret.optional(), client_key: secret.optional() })
  .meta({ id: 'postgres_config_at_least_safe', ...keepsSecrets });
export const postgresConfigSafe = z.object(postgresSafe).meta({ id: 'postgres_config_safe' });

// --- bigquery -----------------------------------------------------------------------------
const bigquerySafe = {
  project_id: str,
  dataset: str,
  location: str.optional().meta(ext('dataset location (e.g. US, EU) used when the dataset has to be created.')),
  api_endpoint: httpUrl.optional().meta(ext('BigQuery-compatible endpoint (emulators).')),
};
export const bigqueryConfigUnsafe = z
  .object({
    ...bigquerySafe,
    credentials: z.looseObject({ client_email: str, private_key: secret }).meta({
      description: 'Service account key: `client_email` and `private_key` (other key-file fields are accepted and kept secret too).',
    }),
  })
  .meta({ id: 'bigquery_config_unsafe' });
export const bigqueryConfigAtLeastSafe = z
  .object({ ...bigquerySafe, credentials: z.looseObject({ client_email: str, private_key: secret.optional() }) })
  .meta({ id: 'bigquery_config_at_least_safe', ...keepsSecrets });
export const bigqueryConfigSafe = z.object({ ...bigquerySafe, credentials: z.object({ client_email: z.string() }) }).meta({ id: 'bigquery_config_safe' });

// --- snowflake ----------------------------------------------------------------------------
const snowflakeSafe = { host: str, role: str, warehouse: str, database: str, schema: str, username: str };
export const snowflakeConfigUnsafe = z.object({ ...snowflakeSafe, password: secret }).meta({ id: 'snowflake_config_unsafe' });
export const snowflakeConfigAtLeastSafe = z.object({ ...snowflakeSafe, password: secret.optional() }).meta({ id: 'snowflake_config_at_least_safe', ...keepsSecrets });
export const snowflakeConfigSafe = z.object(snowflakeSafe).meta({ id: 'snowflake_config_safe' });

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
const redshiftPassword = secret.optional().meta(ext('database password.'));
export const redshiftConfigUnsafe = z.object({ ...redshiftSafe, s3_access_key: secret, password: redshiftPassword }).meta({ id: 'redshift_config_unsafe' });
export const redshiftConfigAtLeastSafe = z
  .object({ ...redshiftSafe, s3_access_key: secret.optional(), password: redshiftPassword })
  .meta({ id: 'redshift_config_at_least_safe', ...keepsSecrets });
export const redshiftConfigSafe = z.object(redshiftSafe).meta({ id: 'redshift_config_safe' });

// --- s3 -----------------------------------------------------------------------------------
const s3Safe = {
  bucket: str,
  region: str,
  access_key_id: str,
  endpoint: httpUrl.optional().meta(ext('endpoint of an S3-compatible store (MinIO, R2, ...).')),
  force_path_style: z.boolean().optional().meta(ext('path-style addressing, needed by most S3-compatible stores.')),
  prefix: z.string().max(1000).optional().meta(ext('key prefix inside the bucket.')),
};
export const s3ConfigUnsafe = z.object({ ...s3Safe, secret_access_key: secret }).meta({ id: 's3_config_unsafe' });
export const s3ConfigAtLeastSafe = z.object({ ...s3Safe, secret_access_key: secret.optional() }).meta({ id: 's3_config_at_least_safe', ...keepsSecrets });
export const s3ConfigSafe = z.object(s3Safe).meta({ id: 's3_config_safe' });

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
  .meta({ id: 'api_config_unsafe', ...ext('HTTP API destination: records are POSTed as JSON batches to `url`.') });
export const apiConfigAtLeastSafe = z
  .object({ ...apiSafe, auth: authVariants(false).optional() })
  .meta({ id: 'api_config_at_least_safe', ...ext('HTTP API destination; omitted secrets keep their stored value.') });
export const apiConfigSafe = z
  .object({
    ...apiSafe,
    batch_size: z.number().int(),
    auth: z
      .object({ type: z.enum(['bearer', 'basic', 'api_key']), username: z.string().optional(), header: z.string().optional() })
      .optional()
      .meta({ description: 'The auth type without its secret (token, password, value).' }),
  })
  .meta({ id: 'api_config_safe', ...ext('HTTP API destination.') });

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

interface SafeConfigs {
  postgres: z.infer<typeof postgresConfigSafe>;
  bigquery: z.infer<typeof bigqueryConfigSafe>;
  snowflake: z.infer<typeof snowflakeConfigSafe>;
  redshift: z.infer<typeof redshiftConfigSafe>;
  s3: z.infer<typeof s3ConfigSafe>;
  api: z.infer<typeof apiConfigSafe>;
}

/** A destination as callers see it: its config without secrets. */
export type DestinationResponse = {
  [T in DestinationType]: { id: string; application_id: string; name: string; version: number; type: T; config: SafeConfigs[T] };
}[DestinationType];
