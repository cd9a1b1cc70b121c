/**
 * A provider answering a storm of 429s (with Retry-After) and 5xx mid-run: the HTTP runtime waits
 * out the 429s (the pause is recorded in the connection's shared budget row, where every process
 * reads it), and a page failing more often than the runtime retries fails the chunk attempt, which
 * Temporal retries from the last committed batch (the failure is in the workflow's history). The
 * run ends with exactly the source's records and no error on it.
 */
import type { Scenario } from './scenario';
import { compare, exact, finishedRun, setUpSync } from './sync-under-test';
import { runningWorkflowId } from './worker-kill';

/** Per page offset: what its first requests are answered (then the page itself). */
const STORM: Record<number, Array<{ status: number; headers?: Record<string, string> }>> = {
  // Up to 6 rate-limit attempts per request: 4 are waited out in the process.
  500: Array(4).fill({ status: 429, headers: { 'retry-after': '1' } }),
  1000: [{ status: 503, headers: { 'retry-after': '1' } }, { status: 502 }, { status: 504 }],
  // One more than the runtime's 4 transient attempts: the chunk attempt fails.
  1500: Array(5).fill({ status: 500 }),
  2500: [{ status: 502 }, { status: 429, headers: { 'retry-after': '1' } }, { status: 500 }],
};

export const providerStorm: Scenario = {
  name: 'provider-storm',
  fast: true,
  async run(stack) {
    const s = await setUpSync(stack, 'faults-provider-storm', { records: 3000 });
    try {
      const served = new Map<number, number>();
      const answered: Record<number, number> = {};
      s.source.intercept = ({ offset }) => {
        const n = served.get(offset) ?? 0;
        served.set(offset, n + 1);
        const fault = STORM[offset]?.[n];
        if (!fault) return undefined;
        answered[fault.status] = (answered[fault.status] ?? 0) + 1;
        return { status: fault.status, headers: fault.headers, json: { error: `storm ${fault.status}` } };
      };
      const syncId = await s.connect();
      const workflowId = await runningWorkflowId(stack, syncId);
      const run = await finishedRun(stack, syncId, 240_000);
      const proof = exact(await compare(stack, s), run);

      const { rows } = await stack.db.query<{ paused_until: Date | null }>(
        `select r.paused_until from connection_rate_limits r join connections c on c.id::text = r.connection_id where c.provider_name = $1`,
        [s.name],
      );
      const pauseRecorded = rows[0]?.paused_until != null;
      // A retried activity's ActivityTaskStarted event carries its attempt and the failure before it.
      const history = await stack.temporal.workflow.getHandle(workflowId).fetchHistory();
      const retried = (history.events ?? []).map((e) => e.activityTaskStartedEventAttributes).find((a) => a && (a.attempt ?? 1) > 1);
      const failure = retried?.lastFailure?.message ?? '';
      const storm = Object.entries(answered)
        .map(([status, n]) => `${n}×${status}`)
        .join(' ');
      const ok = proof.ok && pauseRecorded && /500/.test(failure) && run.error_message === null;
      return {
        ok,
        line:
          `provider storm (${storm}): ${proof.text}; Retry-After pause ${pauseRecorded ? 'recorded' : 'NOT recorded'} in connection_rate_limits; ` +
          (retried ? `chunk attempt ${retried.attempt} after "${failure.slice(0, 80)}" in the workflow history` : 'NO retried chunk attempt in the workflow history'),
      };
    } finally {
      await s.close();
    }
  },
};
