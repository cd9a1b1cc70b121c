/**
 * SIGKILL of the API process during a burst of writes (customers, connections whose syncs and
 * Schedules are created with them). Afterwards, on a new API process: every request
 * that was answered 2xx is there; nothing is half-written (a connection without its sync, a sync
 * without its Temporal Schedule) once the reconciler has run, as it does hourly and at every worker
 * start; and the requests the kill cut off succeed when sent again (or answer 409: they had committed).
 */
import { ScheduleNotFoundError } from '@temporalio/client';
import { RECONCILER_SCHEDULE_ID } from '../../services/orchestration/reconciler';
import { scheduleIdFor } from '../../services/orchestration/sync-schedules';
import type { Scenario } from './scenario';
import type { Stack } from './stack';
import { setUpSync, waitUntil } from './sync-under-test';

const CLIENTS = 8;
const PER_CLIENT = 6;
/** Kill after this many answers: mid-burst. */
const KILL_AFTER = 30;

interface Sent {
  method: string;
  route: string;
  body?: unknown;
  status?: number;
}

async function halfWritten(stack: Stack, provider: string): Promise<string[]> {
  const problems: string[] = [];
  const { rows: connections } = await stack.db.query<{ id: string; sync_id: string | null }>(
    `select c.id, s.id as sync_id from connections c left join syncs s on s.connection_id = c.id where c.provider_name = $1`,
    [provider],
  );
  for (const c of connections) {
    if (!c.sync_id) {
      problems.push(`connection ${c.id} has no sync`);
      continue;
    }
    try {
      await stack.temporal.schedule.getHandle(scheduleIdFor(c.sync_id)).describe();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      problems.push(`sync ${c.sync_id} has no Schedule`);
    }
  }
  return problems;
}

const kinds = (problems: string[]) =>
  `${problems.filter((p) => p.endsWith('has no sync')).length} connections without their sync, ${problems.filter((p) => p.endsWith('has no Schedule')).length} syncs without their Schedule`;

export const apiKill: Scenario = {
  name: 'api-kill',
  fast: true,
  async run(stack) {
    // No auto-start: the syncs and their Schedules are created, their runs would only load the workers.
    const s = await setUpSync(stack, 'faults-api-kill', { records: 20, autoStart: false });
    try {
      const sent: Sent[] = [];
      let answered = 0;
      let killing: Promise<void> | undefined;
      const send = async (req: Sent) => {
        sent.push(req);
        try {
          req.status = (await stack.request(req.method, req.route, req.body)).status;
          if (++answered === KILL_AFTER) killing = stack.api.kill();
        } catch {
          // cut off by the kill: no answer
        }
      };
      const client = async (c: number) => {
        for (let i = 0; i < PER_CLIENT; i++) {
          const customer = `${s.name}-${c}-${i}`;
          await send({ method: 'PUT', route: '/customers', body: { customer_id: customer, name: customer, email: `${customer}@example.com` } });
          await send({
            method: 'POST',
            route: `/customers/${customer}/connections`,
            body: { provider_name: s.name, type: 'api_key', api_key: s.source.apiKey, params: { base_url: s.source.url } },
          });
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
      await killing;
      await stack.restartApi({ kill: false });

      const ok2xx = sent.filter((r) => r.status !== undefined && r.status >= 200 && r.status < 300);
      let durable = 0;
      for (const r of ok2xx) {
        const customer = r.method === 'PUT' ? (r.body as { customer_id: string }).customer_id : r.route.split('/')[2]!;
        const route = r.method === 'PUT' ? `/customers/${customer}` : `/customers/${customer}/connections/${s.name}`;
        if ((await stack.request('GET', route)).status === 200) durable++;
      }
      const before = await halfWritten(stack, s.name);
      // What the hourly reconciler (and every worker start) repairs: a process that died between a commit and its Schedule.
      await stack.temporal.schedule.getHandle(RECONCILER_SCHEDULE_ID).trigger();
      let after = before;
      await waitUntil('the reconciler’s repair', 60_000, async () => {
        after = await halfWritten(stack, s.name);
        return after.length === 0;
      }).catch(() => undefined);

      // The unanswered requests again, as a client would: 2xx, or 409 when the first one had committed.
      const cut = sent.filter((r) => r.status === undefined || r.status >= 500);
      let retriedOk = 0;
      for (const r of cut) {
        const status = (await stack.request(r.method, r.route, r.body)).status;
        if ((status >= 200 && status < 300) || status === 409) retriedOk++;
      }
      const ok = durable === ok2xx.length && after.length === 0 && retriedOk === cut.length && answered >= KILL_AFTER;
      return {
        ok,
        line:
          `API SIGKILL during a burst of ${sent.length} writes (${CLIENTS} at a time, killed after ${KILL_AFTER} answers): ${ok2xx.length} answered 2xx, ${durable} durable; ` +
          `half-written after the restart: ${kinds(before)}, once the reconciler ran: ${kinds(after)}${after.length ? ` (${after.slice(0, 3).join('; ')})` : ''}; ` +
          `the new API answered ${retriedOk}/${cut.length} unanswered requests sent again with 2xx or 409`,
      };
    } finally {
      await s.close();
    }
  },
};
