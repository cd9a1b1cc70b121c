/**
 * A webhook receiver unreachable (connections refused) for longer than the first retry interval
 * (5 s: workflows/webhook-delivery.ts): every event gets at least two failed attempts recorded, and
 * once the receiver is back each is delivered, signed, exactly once per delivery id (webhook-id).
 * The events come from an application of their own (made with `npm run cli -- applications create`),
 * so no other scenario's events mix in.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { sourceConnector } from '../../test/helpers/source-api';
import { startWebhookReceiver } from '../../test/helpers/webhook-receiver';
import { startOutageProxy } from './outage-proxy';
import type { Scenario } from './scenario';
import type { Stack } from './stack';
import { expectStatus, waitUntil } from './sync-under-test';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const EVENTS = 10;
/** Two failed attempts per event: the first, and the one 5 s later. */
const FAILED_ATTEMPTS = 2;

function createApplication(stack: Stack, name: string): { id: string; apiKey: string } {
  const out = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['cli.ts', 'applications', 'create', '--name', name], {
    cwd: ROOT,
    env: { ...stack.env, DATA_DIR: path.join(stack.dir, 'cli') },
    encoding: 'utf8',
  });
  const id = /\(([0-9a-f-]{36})\)/.exec(out.stdout)?.[1];
  const apiKey = out.stdout.trim().split('\n').at(-1);
  if (out.status !== 0 || !id || !apiKey) throw new Error(`creating the application failed: ${out.stderr}`);
  return { id, apiKey };
}

export const webhookOutage: Scenario = {
  name: 'webhook-outage',
  fast: true,
  async run(stack) {
    const app = createApplication(stack, 'faults-webhooks');
    const receiver = await startWebhookReceiver();
    const proxy = await startOutageProxy({ host: '127.0.0.1', port: Number(new URL(receiver.base).port) });
    try {
      const call = (method: string, route: string, body: unknown, status: number, what: string) => expectStatus(stack.request(method, route, body, app.apiKey), status, what);
      const endpoint = await call('POST', '/webhook_endpoints', { url: `http://127.0.0.1:${proxy.port}/hooks/main` }, 201, 'creating the webhook endpoint');
      receiver.setSecrets('main', endpoint.secret);
      await call('PUT', '/connectors/faults-hooks', sourceConnector('faults-hooks'), 201, 'publishing a connector');
      await call('POST', '/providers', { auth_type: 'api_key', category: 'no_category', name: 'faults-hooks' }, 201, 'creating the provider');

      await proxy.down();
      const downAt = Date.now();
      for (let i = 0; i < EVENTS; i++) {
        const customer = `hooks-${i}`;
        await call('PUT', '/customers', { customer_id: customer, name: customer, email: `${customer}@example.com` }, 200, 'creating a customer');
        await call(
          'POST',
          `/customers/${customer}/connections`,
          { provider_name: 'faults-hooks', type: 'api_key', api_key: 'unused', params: { base_url: 'http://127.0.0.1:9' } },
          200,
          'creating a connection',
        );
      }
      const { rows: events } = await stack.db.query<{ id: string }>('select id from webhook_events where application_id = $1', [app.id]);
      const failedAttempts = async () =>
        (await stack.db.query<{ n: number }>('select count(*)::int as n from webhook_deliveries where application_id = $1 and not success group by event_id', [app.id])).rows;
      await waitUntil(`${FAILED_ATTEMPTS} failed attempts of each event`, 60_000, async () => {
        const perEvent = await failedAttempts();
        return perEvent.length === events.length && perEvent.every((r) => r.n >= FAILED_ATTEMPTS);
      });
      await proxy.up();
      const downFor = Math.round((Date.now() - downAt) / 1000);
      await receiver.waitFor(() => receiver.accepted('main').length >= events.length, 120_000, 'every event delivered');
      // Some time for a delivery that would come twice.
      await new Promise((r) => setTimeout(r, 3_000));

      const acked = receiver.requests('main').filter((r) => r.status !== undefined && r.status >= 200 && r.status < 300);
      const perId = new Map<string, number>();
      for (const r of acked) perId.set(r.headers['webhook-id']!, (perId.get(r.headers['webhook-id']!) ?? 0) + 1);
      const twice = [...perId.values()].filter((n) => n > 1).length;
      const unsigned = receiver.requests('main').filter((r) => !r.verified).length;
      const failed = (await failedAttempts()).reduce((n, r) => n + r.n, 0);
      const { rows: succeeded } = await stack.db.query<{ n: number }>('select count(distinct event_id)::int as n from webhook_deliveries where application_id = $1 and success', [
        app.id,
      ]);
      const ok = perId.size === events.length && twice === 0 && unsigned === 0 && succeeded[0]!.n === events.length && events.length >= EVENTS;
      return {
        ok,
        line:
          `webhook receiver down ${downFor} s (first retry interval 5 s): events ${events.length}, delivered ${perId.size}, delivered twice ${twice}, ` +
          `unsigned ${unsigned}; ${failed} failed attempts recorded, every event's delivery recorded as succeeded: ${succeeded[0]!.n}/${events.length}`,
      };
    } finally {
      await proxy.close();
      await receiver.close();
    }
  },
};
