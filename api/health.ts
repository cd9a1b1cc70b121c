import { Hono } from 'hono';
import { pingDatabase } from '../services/system';
import type { AppDeps } from './deps';

/** Liveness and readiness, outside /mgmt/v2 and without an API key. */
export function healthRoutes(deps: AppDeps) {
  const app = new Hono();
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/ready', async (c) => {
    const checks = await Promise.all([check('database', () => pingDatabase(deps.db)), check('temporal', () => deps.temporal.connection.healthService.check({}))]);
    const ready = checks.every((ch) => ch.ok);
    return c.json({ status: ready ? 'ready' : 'unavailable', checks: Object.fromEntries(checks.map((ch) => [ch.name, ch])) }, ready ? 200 : 503);
  });
  return app;
}

async function check(name: string, fn: () => Promise<unknown>, timeoutMs = 3000) {
  try {
    await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs).unref())]);
    return { name, ok: true as const };
  } catch (err) {
    return { name, ok: false as const, error: (err as Error).message };
  }
}
