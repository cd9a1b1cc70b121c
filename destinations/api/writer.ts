/**
 * HTTP API destination: POSTs records as JSON chunks of `batch_size` to a customer's endpoint.
 * Each chunk carries `Idempotency-Key: <runId>:<seq>:<chunk>` so a retried batch can be deduplicated.
 */
import type { OutboundPolicy } from '../../lib/outbound-policy';
import { streamName } from '../layout';
import type { DestinationRecord, DestinationWriter, WriteBatch, WriteTarget } from '../types';
import { apiDestinationConfigSchema, authHeaders, secretValues, type ApiDestinationConfigInput } from './config';
import { ApiDestinationError, postJsonWithRetry } from './http';
import { DEFAULT_RETRY_POLICY, realSleep, type RetryPolicy } from './retry';

export interface ApiRecord {
  id: string;
  last_modified_at: string | null;
  is_deleted: boolean;
  emitted_at: string;
  raw_data: Record<string, unknown>;
  mapped_data: Record<string, unknown>;
  unified_data?: Record<string, unknown>;
}

export interface ApiPayload {
  stream: string;
  customer_id: string;
  provider_name: string;
  records: ApiRecord[];
}

export interface ApiWriterOptions {
  /** Injected in tests to avoid real waits. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout. Default 30 s. */
  timeoutMs?: number;
  onRetry?: (info: { attempt: number; delayMs: number; status?: number }) => void;
  /** Private-network protection for the (tenant-chosen) URL. */
  outboundPolicy?: OutboundPolicy;
}

export function toApiRecord(record: DestinationRecord): ApiRecord {
  const out: ApiRecord = {
    id: record.id,
    last_modified_at: record.lastModifiedAt ? record.lastModifiedAt.toISOString() : null,
    is_deleted: record.isDeleted,
    emitted_at: record.emittedAt.toISOString(),
    raw_data: record.raw,
    mapped_data: record.mapped,
  };
  if (record.unified !== undefined) out.unified_data = record.unified;
  return out;
}

export function createApiWriter(input: ApiDestinationConfigInput, options: ApiWriterOptions = {}): DestinationWriter {
  const config = apiDestinationConfigSchema.parse(input);
  const url = new URL(config.url);
  const secrets = secretValues(config);
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const baseHeaders: Record<string, string> = {
    ...Object.fromEntries(Object.entries(config.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    ...authHeaders(config.auth),
    'content-type': 'application/json',
    accept: 'application/json, */*;q=0.5',
  };
  const postOptions = {
    policy,
    sleep: options.sleep ?? realSleep,
    random: options.random,
    timeoutMs: options.timeoutMs ?? 30_000,
    secrets,
    onRetry: options.onRetry,
    outboundPolicy: options.outboundPolicy,
  };

  return {
    async prepare() {},

    async writeBatch(target: WriteTarget, batch: WriteBatch) {
      for (let start = 0, chunk = 0; start < batch.records.length; start += config.batch_size, chunk++) {
        const payload: ApiPayload = {
          stream: streamName(target),
          customer_id: target.customerId,
          provider_name: target.providerName,
          records: batch.records.slice(start, start + config.batch_size).map(toApiRecord),
        };
        const headers = { ...baseHeaders, 'idempotency-key': `${batch.runId}:${batch.seq}:${chunk}` };
        try {
          await postJsonWithRetry(url, JSON.stringify(payload), headers, postOptions);
        } catch (err) {
          if (err instanceof ApiDestinationError) {
            err.message = `${err.message} [${streamName(target)}, batch ${batch.seq}, chunk ${chunk}]`;
          }
          throw err;
        }
      }
    },

    async finishRun() {},

    async test() {
      const payload: ApiPayload = { stream: '_syncwell_test', customer_id: '', provider_name: '', records: [] };
      try {
        await postJsonWithRetry(
          url,
          JSON.stringify(payload),
          { ...baseHeaders, 'x-syncwell-test': '1' },
          {
            ...postOptions,
            policy: { ...policy, maxAttempts: 1 },
          },
        );
      } catch (err) {
        if (err instanceof ApiDestinationError) err.message = `connection test failed: ${err.message}`;
        throw err;
      }
    },

    async close() {},
  };
}
