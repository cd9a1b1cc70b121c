import { Hono } from 'hono';
import type { Metrics } from '../services/metrics/metrics';

/** GET /metrics in Prometheus text format, outside /mgmt/v2 and without an API key (like /health): scrapers carry no tenant's key. */
export function metricsRoutes(metrics: Metrics) {
  return new Hono().get('/metrics', async (c) => c.body(await metrics.scrape(), 200, { 'content-type': metrics.contentType }));
}
