/**
 * Start of webhook deliveries in every worker: it LISTENs on the channel `recordEvent`
 * notifies on commit and dispatches the outbox at once, and after every (re)connect. A sweep
 * is the net for a notification that never arrived (sent while disconnected, a failed
 * dispatch): a dispatch run at the latest `sweepEveryMs` after the previous one ended. The
 * sweep is in-process, not a Temporal Schedule, so an idle outbox costs one indexed query per
 * worker every 30 s and no workflow execution at all (the old 5 s Schedule started 17,280 a
 * day and buried the sync runs in the Temporal UI).
 *
 * One dedicated connection per process, outside the Kysely pool (a pooled client is handed
 * back and forth, so its LISTEN would not stay put). Dispatch runs are coalesced: at most one
 * at a time, and notifications arriving during a run cause exactly one more run after it.
 */
import pg from 'pg';
import { WEBHOOK_EVENTS_CHANNEL } from '../../db/repositories/webhooks';
import type { ServiceDeps } from '../deps';
import { dispatchWebhookEvents } from '../orchestration/webhook-dispatch';

/** Shown in pg_stat_activity, so operators (and tests) can tell the listening connection apart. */
export const WEBHOOK_LISTENER_APPLICATION_NAME = 'syncwell-webhook-listener';

const RECONNECT_INITIAL_MS = 250;
const RECONNECT_MAX_MS = 30_000;
/** A missed event is dispatched within this (plus one dispatch run) of its commit. */
export const DEFAULT_SWEEP_EVERY_MS = 30_000;

export interface WebhookKickStats {
  /** Whether the connection is up and LISTENing. */
  listening: boolean;
  /** Successful LISTENs (the first, then one per reconnect). */
  connects: number;
  notifications: number;
  dispatchRuns: number;
  /** Dispatch runs asked for by the sweep timer. */
  sweeps: number;
}

export interface WebhookKickListener {
  /** Live counters, for logs and tests. */
  readonly stats: Readonly<WebhookKickStats>;
  /** Stops listening and waits for a dispatch in flight (before the pool it uses closes). */
  close(): Promise<void>;
}

export function startWebhookKickListener(deps: ServiceDeps, opts: { databaseUrl: string; sweepEveryMs?: number }): WebhookKickListener {
  const log = deps.logger.child({ component: 'webhook-kick' });
  const stats: WebhookKickStats = { listening: false, connects: 0, notifications: 0, dispatchRuns: 0, sweeps: 0 };
  const sweepEveryMs = opts.sweepEveryMs ?? DEFAULT_SWEEP_EVERY_MS;
  let closed = false;
  let client: pg.Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryMs = RECONNECT_INITIAL_MS;
  let running: Promise<void> | undefined;
  let pending = false;
  let sweepTimer: NodeJS.Timeout | undefined;

  // The loop's last `pending` check and the reset of `running` happen in one synchronous
  // step, so a notification either joins this drain or starts the next one; none is lost.
  const drain = async () => {
    // Any run covers the whole outbox: the sweep counts from the end of the last one.
    clearTimeout(sweepTimer);
    try {
      do {
        pending = false;
        stats.dispatchRuns++;
        try {
          const result = await dispatchWebhookEvents(deps);
          log.debug(result, 'webhook events dispatched');
        } catch (err) {
          log.warn({ err }, 'webhook dispatch failed; the next notification or sweep retries');
        }
      } while (pending && !closed);
    } finally {
      running = undefined;
      armSweep();
    }
  };
  const kick = () => {
    if (closed) return;
    if (running) pending = true;
    else running = drain();
  };
  const armSweep = () => {
    if (closed) return;
    sweepTimer = setTimeout(() => {
      stats.sweeps++;
      kick();
    }, sweepEveryMs);
    // Never what keeps a process alive.
    sweepTimer.unref();
  };

  const scheduleReconnect = () => {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, RECONNECT_MAX_MS);
  };

  const connect = async () => {
    const c = new pg.Client({ connectionString: opts.databaseUrl, application_name: WEBHOOK_LISTENER_APPLICATION_NAME });
    client = c;
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      stats.listening = false;
      if (closed) return;
      log.warn({ err: err?.message, retryInMs: retryMs }, 'webhook event listener connection lost; reconnecting');
      void c.end().catch(() => undefined);
      scheduleReconnect();
    };
    // Without an error listener a dropped connection would crash the process.
    c.on('error', onLost);
    c.on('end', () => onLost());
    c.on('notification', (n) => {
      if (n.channel !== WEBHOOK_EVENTS_CHANNEL) return;
      stats.notifications++;
      kick();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${c.escapeIdentifier(WEBHOOK_EVENTS_CHANNEL)}`);
    } catch (err) {
      onLost(err as Error);
      return;
    }
    if (closed || lost) return;
    stats.listening = true;
    stats.connects++;
    retryMs = RECONNECT_INITIAL_MS;
    log.debug({ connects: stats.connects }, 'listening for webhook events');
    // Events committed before LISTEN took effect (start-up, or while disconnected) sent no kick we saw.
    kick();
  };

  armSweep();
  void connect();

  return {
    stats,
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      clearTimeout(sweepTimer);
      stats.listening = false;
      await client?.end().catch(() => undefined);
      await running;
    },
  };
}
