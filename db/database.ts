/** Typed view of the application database. Tables are created by migrations in db/migrations/. */
import type { ColumnType, Generated } from 'kysely';
import type { RateLimitInfo } from '../providers/types';

export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** jsonb: read as T, written as T or a JSON string. */
export type Json<T> = ColumnType<T, T | string, T | string>;
type JsonDefault<T> = ColumnType<T, T | string | undefined, T | string>;
type Int8Default = ColumnType<number, number | undefined, number>;

interface Stamped {
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ApplicationsTable {
  id: Generated<string>;
  name: string;
  /** sha256 of the API key; the key itself is never stored. */
  api_key_hash: string;
  created_at: Timestamp;
  /** Opt-in to the hosted GET /oauth/connect: the return URL origins it may redirect to; null: off. */
  hosted_oauth_return_origins: string[] | null;
  /** The public key (JWK with its alg) that verifies the application's tenant tokens; null: none registered. */
  tenant_token_key: ColumnType<TenantTokenKey | null, TenantTokenKey | string | null | undefined, TenantTokenKey | string | null>;
}

export interface TenantTokenKey {
  alg: string;
  jwk: Record<string, unknown>;
}

export interface CustomersTable extends Stamped {
  id: Generated<string>;
  application_id: string;
  /** The application's own id for the customer (`customer_id` in the API). */
  external_id: string;
  name: string;
  email: string;
}

export interface ProvidersTable extends Stamped {
  id: Generated<string>;
  application_id: string;
  name: string;
  category: string;
  auth_type: string;
  config: JsonDefault<Record<string, unknown>>;
  client_secret_encrypted: string | null;
  objects: JsonDefault<Record<string, unknown>>;
  entity_mappings: JsonDefault<unknown[]>;
}

export interface DestinationsTable extends Stamped {
  id: Generated<string>;
  application_id: string;
  name: string;
  type: string;
  config: JsonDefault<Record<string, unknown>>;
  secrets_encrypted: string | null;
  version: Generated<number>;
}

export interface SchemasTable extends Stamped {
  id: Generated<string>;
  application_id: string;
  name: string;
  config: Json<Record<string, unknown>>;
}

export type EntitiesTable = SchemasTable;

export interface SyncConfigsTable extends Stamped {
  id: Generated<string>;
  application_id: string;
  provider_id: string;
  destination_id: string;
  config: Json<Record<string, unknown>>;
}

export interface ProviderUserDetails {
  raw_details?: Record<string, unknown>;
  additional_raw_details?: Record<string, unknown>;
}

export interface ConnectionsTable extends Stamped {
  id: Generated<string>;
  application_id: string;
  customer_id: string;
  provider_id: string;
  provider_name: string;
  category: string;
  status: Generated<string>;
  instance_url: Generated<string>;
  provider_user_id: string | null;
  /** What the provider said about that user (GET .../_provider_user_id), secrets removed. */
  provider_user_details: Json<ProviderUserDetails> | null;
  /** The rate limits the provider's latest response reported. */
  rate_limit_info: Json<RateLimitInfo> | null;
  params: JsonDefault<Record<string, unknown>>;
  credentials_encrypted: string | null;
  connection_sync_config: Json<Record<string, unknown>> | null;
  schema_mappings_config: Json<Record<string, unknown>> | null;
  entity_mappings: Json<unknown[]> | null;
  /** Whether the credentials were checked against the provider (services/connections/verify.ts). */
  integration_state: ColumnType<IntegrationState, IntegrationState | undefined, IntegrationState>;
  /** Why verification failed, as the provider said; null otherwise. */
  integration_state_reason: string | null;
  name: string | null;
  identifier: string | null;
  /** 24 lowercase hex digits: the integration id of the /v1 API, unique per application. */
  public_id: Generated<string>;
}

export type IntegrationState = 'new' | 'verifying' | 'live' | 'failed' | 'deleting';

export interface MagicLinksTable {
  id: Generated<string>;
  application_id: string;
  customer_id: string;
  provider_id: string;
  provider_name: string;
  return_url: string;
  status: Generated<string>;
  expires_at: Timestamp;
  created_at: Timestamp;
  /** Submissions of the hosted page in the current rate-limit window. */
  attempts: Generated<number>;
  attempts_window_started_at: Timestamp | null;
}

/** An OAuth authorization request in flight (services/connect/oauth.ts). */
export interface OAuthStatesTable {
  id: Generated<string>;
  application_id: string;
  magic_link_id: string | null;
  customer_id: string;
  provider_id: string;
  code_verifier_encrypted: string;
  redirect_uri: string;
  return_url: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Generated<Date>;
}

export interface SyncsTable extends Stamped {
  id: Generated<string>;
  application_id: string;
  connection_id: string;
  sync_config_id: string;
  type: 'object' | 'entity';
  object_type: 'common' | 'standard' | 'custom' | null;
  object: string | null;
  entity_id: string | null;
  paused: Generated<boolean>;
  pause_reason: string | null;
  state: JsonDefault<Record<string, unknown>>;
}

export interface SyncRunsTable {
  id: Generated<string>;
  application_id: string;
  sync_id: string;
  connection_id: string;
  customer_id: string;
  provider_name: string;
  category: string;
  object_type: string | null;
  object: string | null;
  entity_id: string | null;
  status: 'IN_PROGRESS' | 'SUCCESS' | 'FAILURE';
  strategy: 'full' | 'incremental';
  error_message: string | null;
  num_records_synced: Int8Default;
  progress: JsonDefault<Record<string, unknown>>;
  start_timestamp: Timestamp;
  end_timestamp: Timestamp | null;
  /** First execution run id of the workflow that opened the run (null for runs opened before it was recorded). */
  workflow_run_id: ColumnType<string | null, string | null | undefined, never>;
  /** The sync job whose object this run carried out; null for scheduled and triggered runs. */
  sync_job_id: ColumnType<string | null, string | null | undefined, never>;
}

export interface WebhookEventsTable {
  id: Generated<string>;
  seq: ColumnType<number, never, never>;
  application_id: string;
  type: string;
  payload: Json<Record<string, unknown>>;
  dispatched_at: Timestamp | null;
  created_at: Timestamp;
}

export interface WebhookEndpointsTable extends Stamped {
  id: Generated<string>;
  application_id: string;
  url: string;
  description: string | null;
  /** null: every event type. */
  event_types: Json<string[]> | null;
  enabled: Generated<boolean>;
  disabled_reason: string | null;
  secret_encrypted: string;
}

export interface WebhookDeliveriesTable {
  id: Generated<string>;
  application_id: string;
  event_id: string;
  endpoint_id: string;
  workflow_id: string;
  attempt: number;
  status_code: number | null;
  success: boolean;
  latency_ms: number;
  error: string | null;
  created_at: Timestamp;
}

export interface ConnectorsTable {
  application_id: string;
  /** The connector id, also the provider_name of its connections. */
  id: string;
  definition: Json<Record<string, unknown>>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** Async jobs (extension): e.g. a destination connection test run in Temporal. */
/** What a write job writes (jobs.write_spec). */
export interface WriteJobSpec {
  object_type: 'common' | 'standard' | 'custom';
  object: string;
  operation: 'create' | 'update' | 'upsert';
  match_field?: string;
}

export interface JobsTable {
  id: Generated<string>;
  application_id: string;
  type: 'destination_test' | 'write' | 'connection_verify' | 'connection_delete';
  status: ColumnType<JobStatus, JobStatus | undefined, JobStatus>;
  destination_id: string | null;
  destination_version: number | null;
  tested_version: number | null;
  error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  /** Write jobs: the connection written to, what is written, and the records' outcomes so far. */
  connection_id: string | null;
  write_spec: Json<WriteJobSpec> | null;
  records_total: Int8Default;
  records_succeeded: Int8Default;
  records_failed: Int8Default;
  records_unknown: Int8Default;
  /** Verify and delete jobs: the connection they are about, kept after a delete removed it. */
  subject: Json<ConnectionJobSubject> | null;
}

export interface ConnectionJobSubject {
  connection_id: string;
  /** Internal uuid of the customer (a hub sees only its own jobs). */
  customer_id: string;
  external_customer_id: string;
  provider_name: string;
  integration_id: string;
}

export type WriteRecordStatus = 'pending' | 'sending' | 'succeeded' | 'failed' | 'unknown';

/** One record of a write job, and its outcome. */
export interface WriteJobRecordsTable {
  job_id: string;
  seq: number;
  record: Json<Record<string, unknown>>;
  record_id: string | null;
  status: ColumnType<WriteRecordStatus, WriteRecordStatus | undefined, WriteRecordStatus>;
  provider_id: string | null;
  operation: string | null;
  error: Json<{ message: string; field?: string; code?: string; status?: number }> | null;
  updated_at: Timestamp;
}

/** A real-time write's outcome under its Idempotency-Key (24 h). */
export interface WriteIdempotencyKeysTable {
  application_id: string;
  connection_id: string;
  key: string;
  request_hash: string;
  status_code: number | null;
  response: Json<unknown> | null;
  created_at: Timestamp;
}

export type SyncJobStatus = 'JOB_CREATED' | 'SYNC_STARTED' | 'SYNC_SUCCESS' | 'SYNC_FAILED' | 'JOB_COMPLETED';

/** A sync job (extension): chosen objects of a connection run now, with its overrides. */
export interface SyncJobsTable {
  id: Generated<string>;
  application_id: string;
  connection_id: string;
  job_name: string | null;
  status: ColumnType<SyncJobStatus, SyncJobStatus | undefined, SyncJobStatus>;
  reset_source_state: boolean;
  full_sync: boolean;
  ignore_parallel_jobs: boolean;
  window_start: Timestamp | null;
  window_end: Timestamp | null;
  message: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type SyncJobObjectStatus = 'pending' | 'running' | 'succeeded' | 'failed';

/** One object of a sync job; `pending` is the request its sync's next run takes. */
export interface SyncJobObjectsTable {
  job_id: string;
  seq: number;
  sync_id: string | null;
  object_type: 'common' | 'standard' | 'custom';
  object: string;
  status: ColumnType<SyncJobObjectStatus, SyncJobObjectStatus | undefined, SyncJobObjectStatus>;
  run_id: string | null;
  processed_rows: Int8Default;
  error: string | null;
  triggered_at: Timestamp | null;
  updated_at: Timestamp;
}

/** A connection's stored catalog and the status of its latest discovery (services/connections/discover-jobs.ts). */
export interface ConnectionCatalogsTable {
  connection_id: string;
  application_id: string;
  status: 'running' | 'succeeded' | 'failed';
  /** The latest successful discovery's `{ objects }`; kept when a later one fails. */
  catalog: Json<{ objects: unknown[] }> | null;
  error: string | null;
  started_at: Timestamp;
  updated_at: Timestamp;
  catalog_updated_at: Timestamp | null;
}

/** A connection's request budget shared by every process (services/connections/shared-rate-limits.ts). */
export interface ConnectionRateLimitsTable {
  connection_id: string;
  tokens: number;
  refilled_at: Timestamp;
  /** Lease id → expiry (epoch ms) of each request in flight. */
  leases: JsonDefault<Record<string, number>>;
  paused_until: Timestamp | null;
}

/** A sync run's running chunk (lease_id set) or its wait for one, in its tenant's slots (services/syncs/tenant-slots.ts). */
export interface TenantChunkSlotsTable {
  run_id: string;
  application_id: string;
  customer_id: string;
  /** Whom to wake (a Temporal signal) when a slot frees for this waiter. */
  workflow_id: string;
  /** The chunk attempt holding the slot; null while waiting. */
  lease_id: string | null;
  waiting_since: Timestamp;
  expires_at: Timestamp;
}

/** How many runs an application's ledger holds, kept by triggers on sync_runs (GET /sync-runs' total_count). */
export interface SyncRunCountsTable {
  application_id: string;
  sync_id: string;
  runs: number;
}

export interface Database {
  applications: ApplicationsTable;
  customers: CustomersTable;
  providers: ProvidersTable;
  destinations: DestinationsTable;
  schemas: SchemasTable;
  entities: EntitiesTable;
  sync_configs: SyncConfigsTable;
  connections: ConnectionsTable;
  magic_links: MagicLinksTable;
  oauth_states: OAuthStatesTable;
  syncs: SyncsTable;
  sync_runs: SyncRunsTable;
  webhook_events: WebhookEventsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  connectors: ConnectorsTable;
  jobs: JobsTable;
  write_job_records: WriteJobRecordsTable;
  write_idempotency_keys: WriteIdempotencyKeysTable;
  sync_jobs: SyncJobsTable;
  sync_job_objects: SyncJobObjectsTable;
  connection_catalogs: ConnectionCatalogsTable;
  connection_rate_limits: ConnectionRateLimitsTable;
  sync_run_counts: SyncRunCountsTable;
  tenant_chunk_slots: TenantChunkSlotsTable;
}
