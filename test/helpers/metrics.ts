/**
 * Reads a Prometheus text exposition (GET /metrics) into sample values, so tests can compare two
 * scrapes: `value(scrape, 'syncwell_sync_runs_total', { status: 'SUCCESS' })`.
 */

/** Samples by name and labels (labels sorted, so their order in the text does not matter). */
export type Scrape = Map<string, number>;

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

const key = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;

export function parseExposition(text: string): Scrape {
  const samples: Scrape = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(LABEL)].map((l) => [l[1]!, l[2]!]));
    samples.set(key(m[1]!, labels), Number(m[3]));
  }
  return samples;
}

/** A sample's value; 0 when the scrape has none (a counter no label combination has moved yet). */
export function value(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  return scrape.get(key(name, labels)) ?? 0;
}

/** Names of the metrics in a scrape (histograms as their _bucket/_sum/_count series). */
export function metricNames(scrape: Scrape): Set<string> {
  return new Set([...scrape.keys()].map((k) => k.slice(0, k.indexOf('{'))));
}

export async function scrape(url: string): Promise<{ status: number; contentType: string | null; text: string; samples: Scrape }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type'), text, samples: res.ok ? parseExposition(text) : new Map() };
}
