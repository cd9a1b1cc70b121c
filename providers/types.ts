/**
 * The contract between the sync engine and every provider (declarative connectors
 * and built-in CRMs). Reading is page-at-a-time with an opaque, JSON-serialisable
 * page state so a run can resume from the last committed page after a crash.
 */
import type { OutboundPolicy } from '../lib/outbound-policy';
import type { JsonValue, ObjectType } from '../lib/records';

export type { JsonValue, ObjectType };

export interface SourceRecord {
  /** The provider's id of the record (or a stable hash when the provider has none). */
  id: string;
  /** Last-modified time, the basis of incremental cursors; null when unknown. */
  lastModifiedAt: Date | null;
  isDeleted: boolean;
  /** The record as the provider returned it. */
  raw: Record<string, unknown>;
  /**
   * The provider's own JSON text of `raw`, when storing it as jsonb gives the same value as storing
   * JSON.stringify(raw) (destinations may skip serialising `raw` again). Drop it when changing `raw`.
   */
  rawJson?: string;
  /** For common objects: the record in the unified (Supaglue CRM) model. */
  unified?: Record<string, unknown>;
}

export interface WaitInfo {
  reason: 'rate_limit' | 'retry' | 'concurrency';
  ms: number;
  status?: number;
}

export interface ReadPageRequest {
  object: string;
  objectType: ObjectType;
  /** Inclusive lower bound on last-modified for incremental reads; null = full read. */
  modifiedSince: Date | null;
  /**
   * Exclusive upper bound on last-modified (a backfill's sub-window); absent or null = none. A
   * provider that cannot filter on it may read past it: the engine drops what lies outside. One
   * that can must round it up, never down, to its API's precision, so no record below it is missed.
   */
  modifiedBefore?: Date | null;
  /** Page state returned with the previous page; null for the first page. */
  pageState: JsonValue | null;
  signal?: AbortSignal;
  /** Called before the runtime sleeps (Retry-After, backoff) so callers can heartbeat and show it. */
  onWait?: (info: WaitInfo) => void;
}

export interface ReadPageResult {
  records: SourceRecord[];
  /** null when the object is exhausted. Persisted between pages: must be JSON. */
  nextPageState: JsonValue | null;
}

export interface ObjectField {
  name: string;
  type: string;
  nullable?: boolean;
  format?: string;
}

export interface ObjectDescriptor {
  name: string;
  objectType: ObjectType;
  label?: string;
  supportsIncremental: boolean;
  fields?: ObjectField[];
}

/** One rate limit window as the provider reported it, in the Management API's `single_rate_limit_info` shape. */
export interface RateLimitWindow {
  limit: number;
  remaining: number;
  /** Epoch seconds; absent for a sliding window. */
  reset_time?: number;
}

/** A provider's rate limits as its latest response reported them (the API's `rate_limit_info`, stored as is). */
export interface RateLimitInfo {
  daily?: RateLimitWindow;
  hourly?: RateLimitWindow;
  other?: Record<string, RateLimitWindow>;
}

/** The provider user who authorized a connection. */
export interface ProviderUser {
  /** The common-schema User id: Salesforce User, HubSpot V3 Owner, Pipedrive user. */
  id: string;
  /** What the provider said about the user. */
  raw: Record<string, unknown>;
  /** Further data used to find the id (the HubSpot owner behind the token's user). */
  additionalRaw?: Record<string, unknown>;
}

export type WriteOperation = 'create' | 'update' | 'upsert';

/** One record to write. */
export interface WriteRecord {
  /**
   * The fields to write: the provider's own field names for standard and custom objects, the
   * common model's create/update shape (`create_update_contact`, ...) for common objects.
   * For an upsert, the match field's value is in here too.
   */
  record: Record<string, unknown>;
  /** update: the provider's id of the record. */
  id?: string;
}

export interface WriteRequest {
  object: string;
  objectType: ObjectType;
  operation: WriteOperation;
  /**
   * upsert: the field whose value identifies the record: a unique or external-id field of the
   * provider (HubSpot `idProperty`, a Salesforce external-id field), or for common objects a
   * common-model field (`email` for contacts and leads). Providers refuse fields they cannot match on.
   */
  matchField?: string;
  /** At most the provider's `writeBatchSize`. */
  records: WriteRecord[];
  /**
   * Outcomes carry the record as the provider now holds it (an extra read where the write's
   * answer lacks it). Real-time writes ask for it; write jobs only need the ids.
   */
  returnRecords?: boolean;
  signal?: AbortSignal;
  onWait?: (info: WaitInfo) => void;
}

/** Why the provider refused one record: its own message, and the field when it names one. */
export interface WriteRejection {
  message: string;
  field?: string;
  /** The provider's error code (HubSpot `category`, Salesforce `errorCode`, ...). */
  code?: string;
  /** The provider's HTTP status for this record (400, 409, 422, 404 for an update of an unknown id). */
  status: number;
}

export type WriteOutcome =
  | {
      ok: true;
      id: string;
      /** What happened: an upsert reports whether it created or updated, when the provider says. */
      operation: WriteOperation;
      /** With `returnRecords`: the record as the provider now holds it (raw, and unified for common objects). */
      record?: SourceRecord;
    }
  | { ok: false; error: WriteRejection };

/** A live connection to a provider for one customer. */
export interface ProviderConnection {
  readPage(req: ReadPageRequest): Promise<ReadPageResult>;
  listObjects(): Promise<ObjectDescriptor[]>;
  /**
   * Writes records, in one provider request where the provider has a batch API. One outcome per
   * record, in input order: a record the provider refuses is an outcome, not an exception. A
   * failure of the whole request (credentials, an outage, an unknown object) throws a ProviderError;
   * a {@link WriteOutcomeUnknownError} when the provider may have written some of it.
   * Absent when the provider cannot write.
   */
  write?(req: WriteRequest): Promise<WriteOutcome[]>;
  /** The most records `write` takes in one call (1 when the provider writes one record per request). */
  readonly writeBatchSize?: number;
  /** One record, read live from the provider; null when it has no record with that id. */
  readRecord?(req: { object: string; objectType: ObjectType; id: string; signal?: AbortSignal }): Promise<SourceRecord | null>;
  /**
   * The user the connection's credentials act as. Absent when the provider has no such notion;
   * null when these credentials are not a user's (a HubSpot private app token).
   */
  loggedInUser?(): Promise<ProviderUser | null>;
}

/** Everything a provider needs to talk to the API for one connection. Secrets are already decrypted. */
export interface ConnectionContext {
  applicationId: string;
  customerId: string;
  connectionId: string;
  providerName: string;
  /** Connector parameters and credentials (api_key, access_token, instance_url, ...). */
  params: Record<string, unknown>;
  /** Persists refreshed OAuth credentials (encrypted) before they are used. */
  saveCredentials?: (next: Record<string, unknown>) => Promise<void>;
  /** The provider's OAuth client (from the provider row, secret decrypted), for token refresh. */
  oauth?: OAuthClientConfig;
  /**
   * Single-flight credential update across processes: runs `fn` holding this connection's
   * credential lock, with the credentials as currently stored (another process may have
   * refreshed them). What `fn` returns is merged and persisted encrypted before the lock is
   * released; null changes nothing. Resolves to the stored credentials afterwards.
   */
  withCredentialLock?: CredentialLock;
  /** Told the rate limits each provider response reports; must be cheap (called per request) and never throw. */
  onRateLimitInfo?: (info: RateLimitInfo) => void;
  /** Private-network protection; providers whose hosts the tenant chose (declarative connectors) apply it. */
  outboundPolicy?: OutboundPolicy;
}

/** The credential store's side of single-flight refresh (the connections service implements it on Postgres). */
export type CredentialLock = (fn: (current: Record<string, unknown>) => Promise<Record<string, unknown> | null>) => Promise<Record<string, unknown>>;

/**
 * Where a provider name's published declarative connector is found: its definition as stored
 * (validated when a connection opens it), undefined when the application has none.
 */
export type ConnectorLookup = (applicationId: string, providerName: string) => Promise<unknown>;

/** A provider's OAuth2 authorization code flow, as the hosted connect runs it (services/connect/oauth.ts). */
export interface OAuthProfile {
  authorizationUrl: string;
  tokenUrl: string;
  /** How the client authenticates at the token endpoint: form fields (client_secret_post) or HTTP Basic. */
  clientAuth: 'body' | 'basic';
  /** Scopes when the provider config names none. */
  defaultScopes?: readonly string[];
  /** Further authorization request parameters (access_type=offline, audience, ...). */
  authorizationParams?: Readonly<Record<string, string>>;
  /** Token response fields kept with the tokens (Pipedrive api_domain). */
  keepFromResponse?: readonly string[];
  /** The token response field that becomes the connection's instance_url (Salesforce). */
  instanceUrlField?: string;
}

export interface OAuthClientConfig {
  clientId: string;
  clientSecret: string;
  /** Overrides the provider's token endpoint (e.g. a sandbox or a local simulator). */
  tokenUrl?: string;
}
