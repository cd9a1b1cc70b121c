import type { Context } from '@temporalio/activity';

/**
 * Heartbeats until the returned stop is called. A dead worker stops them, so Temporal retries the
 * attempt elsewhere within the heartbeat timeout, while work that rightly takes longer than that
 * timeout is not timed out. Default cadence: a quarter of the activity's heartbeat timeout.
 */
export function keepHeartbeating(
  activity: Context,
  details: () => unknown = () => undefined,
  everyMs = Math.max(250, Math.floor((activity.info.heartbeatTimeoutMs ?? 60_000) / 4)),
): () => void {
  const timer = setInterval(() => activity.heartbeat(details()), everyMs);
  return () => clearInterval(timer);
}
