/**
 * A connection's rate limits as its provider last reported them (Salesforce Sforce-Limit-Info,
 * HubSpot and Pipedrive rate limit headers). Providers report on every response; the row is
 * written at most once per WRITE_INTERVAL_MS per connection and process, the latest value
 * last, so a sync adds no database write per provider request.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as repo from '../../db/repositories/connections';
import type { RateLimitInfo } from '../../providers/types';
import { getConnectionByHeadersOrThrow } from './connections';
import type { ServiceDeps } from '../deps';

const WRITE_INTERVAL_MS = 5_000;

interface Pending {
  latest: RateLimitInfo;
  /** Reported since the last write. */
  dirty: boolean;
}

/** Connections with a write in progress or cooling down, in this process. */
const pending = new Map<string, Pending>();

/** For ConnectionContext.onRateLimitInfo: the first report is written at once, later ones coalesce. */
export function rateLimitRecorder(deps: ServiceDeps, applicationId: string, connectionId: string): (info: RateLimitInfo) => void {
  return (info) => {
    const entry = pending.get(connectionId);
    if (entry) {
      entry.latest = info;
      entry.dirty = true;
      return;
    }
    const created: Pending = { latest: info, dirty: true };
    pending.set(connectionId, created);
    void writeWhileReported(deps, applicationId, connectionId, created);
  };
}

async function writeWhileReported(deps: ServiceDeps, applicationId: string, connectionId: string, entry: Pending): Promise<void> {
  let written: string | undefined;
  try {
    while (entry.dirty) {
      entry.dirty = false;
      const json = JSON.stringify(entry.latest);
      if (json !== written) {
        written = json;
        // Telemetry: a failed write must not fail the request that reported it.
        await repo
          .updateRateLimitInfo(deps.db, applicationId, connectionId, entry.latest)
          .catch((err) => deps.logger.warn({ err, connectionId }, 'could not store rate limit info'));
      }
      // Unref'd: a pending trailing write never keeps a worker process alive.
      await sleep(WRITE_INTERVAL_MS, undefined, { ref: false });
    }
  } finally {
    pending.delete(connectionId);
  }
}

/** `{}` until the provider reported something (declarative connectors never do). */
export async function getRateLimitInfo(deps: ServiceDeps, applicationId: string, externalCustomerId: string, providerName: string): Promise<RateLimitInfo> {
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, externalCustomerId, providerName);
  return connection.rate_limit_info ?? {};
}
