/**
 * The product's Prometheus metrics (docs/metrics.md lists them). The composition root creates
 * one set per process, on a registry of its own, and hands it down: the services record what
 * they carry out (runs, destination writes, webhook attempts), the providers' HTTP runtime
 * reports responses through `providerObserver`, and a scrape computes the outbox backlog from
 * the database. Other expositions of the same process (the Temporal runtime's exporter, which
 * serves its own text on a loopback port) are appended to every scrape.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../../db/connection';
import { outboxBacklog } from '../../db/repositories/webhooks';
import type { Logger } from '../../lib/logger';
import type { HttpObserver } from '../../providers/runtime';

export type RunStatus = 'SUCCESS' | 'ERROR';
export type DestinationOperation = 'batch' | 'finish';
/** What became of one webhook delivery attempt (services/webhooks/delivery.ts); `lost`: its activity never completed (worker lost, timed out). */
export type WebhookAttemptOutcome = 'delivered' | 'gone' | 'retry' | 'skipped' | 'lost';

export interface Metrics {
  /** The Content-Type of `scrape()`'s text. */
  readonly contentType: string;
  /** Wired into the providers' HTTP runtime: every response, by provider. */
  readonly providerObserver: HttpObserver;
  runFinished(status: RunStatus, durationSeconds: number): void;
  /** Records a run committed after a destination batch (the run's own count moves with it). */
  recordsSynced(provider: string, count: number): void;
  /** Times one call to a destination, failed calls included. */
  timeDestinationWrite<T>(destinationType: string, operation: DestinationOperation, write: () => Promise<T>): Promise<T>;
  /** One delivery attempt; a delivered one also observes how long after its event it arrived. */
  webhookAttempt(outcome: WebhookAttemptOutcome, eventCreatedAt?: Date): void;
  /** Appends the Prometheus text served at `url` (this process's Temporal runtime) to every scrape. */
  appendExposition(url: string): void;
  /** The text of one scrape: these metrics, Node's process metrics, then the appended expositions. */
  scrape(): Promise<string>;
}

/** How long an appended exposition may take before a scrape goes on without it. */
const APPENDED_TIMEOUT_MS = 2_000;

export function createMetrics(deps: { db: Db; logger: Logger }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  // Label values known in advance start at 0, so a rate() sees the first increment.
  const zeroed = <L extends string>(counter: Counter<L>, label: L, values: readonly string[]) => {
    for (const v of values) counter.inc({ [label]: v } as Partial<Record<L, string>>, 0);
    return counter;
  };

  const runs = zeroed(new Counter({ name: 'syncwell_sync_runs_total', help: 'Sync runs closed, by status', labelNames: ['status'], registers }), 'status', ['SUCCESS', 'ERROR']);
  const runDuration = new Histogram({
    name: 'syncwell_sync_run_duration_seconds',
    help: 'Time from a sync run opening to its close, by status',
    labelNames: ['status'],
    buckets: [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 12 * 3600],
    registers,
  });
  const records = new Counter({ name: 'syncwell_records_synced_total', help: 'Records committed to destinations by sync runs, by provider', labelNames: ['provider'], registers });
  const providerRequests = new Counter({
    name: 'syncwell_provider_requests_total',
    help: 'HTTP responses from providers (retried and throttled attempts each count), by provider and status code',
    labelNames: ['provider', 'status'],
    registers,
  });
  const providerRateLimited = new Counter({
    name: 'syncwell_provider_rate_limited_total',
    help: 'HTTP 429 responses from providers, by provider',
    labelNames: ['provider'],
    registers,
  });
  const providerDuration = new Histogram({
    name: 'syncwell_provider_request_duration_seconds',
    help: 'Time from sending a provider request to the end of its response body, by provider',
    labelNames: ['provider'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const destinationWrites = new Histogram({
    name: 'syncwell_destination_write_duration_seconds',
    help: 'Time of one destination call (batch: a batch of records; finish: closing a run), by destination type and operation',
    labelNames: ['destination_type', 'operation'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers,
  });
  const webhookAttempts = zeroed(
    new Counter({ name: 'syncwell_webhook_deliveries_total', help: 'Webhook delivery attempts, by outcome', labelNames: ['outcome'], registers }),
    'outcome',
    ['delivered', 'gone', 'retry', 'skipped', 'lost'] satisfies WebhookAttemptOutcome[],
  );
  const webhookAge = new Histogram({
    name: 'syncwell_webhook_delivery_age_seconds',
    help: 'Time from a webhook event being recorded to its successful delivery to an endpoint',
    buckets: [0.5, 1, 5, 15, 60, 300, 900, 3600, 6 * 3600, 24 * 3600, 3 * 24 * 3600],
    registers,
  });

  // Both outbox gauges are collected in the same scrape: one query serves them.
  let backlog: Promise<{ events: number; oldest: Date | null } | null> | undefined;
  const readBacklog = () =>
    (backlog ??= outboxBacklog(deps.db)
      .catch((err) => {
        deps.logger.warn({ err }, 'metrics: the outbox backlog could not be read');
        return null;
      })
      .finally(() => {
        backlog = undefined;
      }));
  new Gauge({
    name: 'syncwell_webhook_outbox_events',
    help: 'Webhook events recorded but not yet dispatched to a delivery workflow (the whole database: the same on every process)',
    registers,
    async collect() {
      const b = await readBacklog();
      this.set(b ? b.events : Number.NaN);
    },
  });
  new Gauge({
    name: 'syncwell_webhook_outbox_oldest_age_seconds',
    help: 'Age of the oldest webhook event not yet dispatched; 0 when none waits',
    registers,
    async collect() {
      const b = await readBacklog();
      this.set(b ? (b.oldest ? Math.max(0, (Date.now() - b.oldest.getTime()) / 1000) : 0) : Number.NaN);
    },
  });

  const appended: string[] = [];
  const fetchAppended = async (url: string) => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(APPENDED_TIMEOUT_MS) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return await res.text();
    } catch (err) {
      deps.logger.warn({ err, url }, 'metrics: an appended exposition could not be read');
      return '';
    }
  };

  return {
    contentType: registry.contentType,
    providerObserver: {
      onResponse({ provider, status, durationMs }) {
        providerRequests.inc({ provider, status: String(status) });
        if (status === 429) providerRateLimited.inc({ provider });
        providerDuration.observe({ provider }, durationMs / 1000);
      },
    },
    runFinished(status, durationSeconds) {
      runs.inc({ status });
      runDuration.observe({ status }, durationSeconds);
    },
    recordsSynced(provider, count) {
      records.inc({ provider }, count);
    },
    async timeDestinationWrite(destinationType, operation, write) {
      const end = destinationWrites.startTimer({ destination_type: destinationType, operation });
      try {
        return await write();
      } finally {
        end();
      }
    },
    webhookAttempt(outcome, eventCreatedAt) {
      webhookAttempts.inc({ outcome });
      if (outcome === 'delivered' && eventCreatedAt) webhookAge.observe(Math.max(0, (Date.now() - eventCreatedAt.getTime()) / 1000));
    },
    appendExposition(url) {
      appended.push(url);
    },
    async scrape() {
      const texts = await Promise.all([registry.metrics(), ...appended.map(fetchAppended)]);
      return texts.map((t) => (t === '' || t.endsWith('\n') ? t : `${t}\n`)).join('');
    },
  };
}
