/**
 * A SaaS API bound by its latency and its rate limit, for bench:provider-bound: every answer
 * takes `latencyMs`, optionally every `storm`-th request is a 429 with Retry-After: 1, and the
 * simulator records what the provider would watch: requests in flight and arrival times.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RateBoundSimulator {
  url: string;
  requests: number;
  throttled: number;
  maxInFlight: number;
  /** Most requests that arrived within any `windowMs`. */
  maxInWindow(windowMs: number): number;
  close(): Promise<void>;
}

export type Route = (path: string, query: URLSearchParams) => unknown;

export async function startRateBoundSimulator(opts: { latencyMs: number; storm?: number; route: Route }): Promise<RateBoundSimulator> {
  const arrivals: number[] = [];
  let inFlight = 0;
  const sim = { url: '', requests: 0, throttled: 0, maxInFlight: 0 } as RateBoundSimulator;
  const server = createServer((req, res) => {
    const at = performance.now();
    arrivals.push(at);
    const n = ++sim.requests;
    inFlight++;
    sim.maxInFlight = Math.max(sim.maxInFlight, inFlight);
    const url = new URL(req.url ?? '/', 'http://sim');
    setTimeout(() => {
      if (opts.storm && n % opts.storm === 0) {
        sim.throttled++;
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
        res.end('{"error":"rate limited"}');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(opts.route(url.pathname, url.searchParams)));
      }
      inFlight--;
    }, opts.latencyMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sim.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sim.maxInWindow = (windowMs) => {
    let max = 0;
    for (let lo = 0, hi = 0; hi < arrivals.length; hi++) {
      while (arrivals[hi]! - arrivals[lo]! >= windowMs) lo++;
      max = Math.max(max, hi - lo + 1);
    }
    return max;
  };
  sim.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return sim;
}
