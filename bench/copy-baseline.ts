/**
 * Physical-limit baseline for the sync benchmark: how many rows/s this Postgres takes when ~1 KB,
 * 20-field JSON records are COPYed straight into a table of the destination's shape (same columns,
 * same primary key), with no staging table, no upsert, no provider and no engine.
 *
 * `generateRecord(i)` is the deterministic record generator the benchmark's simulated provider can
 * share, so both sides move the same bytes.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { copyField, copyJson, copyRows } from '../destinations/postgres/copy';
import { qualified, quoteIdent, targetColumns } from '../destinations/postgres/naming';

/** Deterministic 32-bit PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Linus'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman', 'Torvalds'];
const CITIES = ['Berlin', 'Lisbon', 'Nairobi', 'Osaka', 'Toronto', 'Lima', 'Oslo', 'Pune'];
const STAGES = ['lead', 'qualified', 'proposal', 'negotiation', 'closed_won', 'closed_lost'];
const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(' ');
const BASE_TIME = Date.UTC(2024, 0, 1);
/** Padding text, long enough for rows up to ~64 KB. */
const LOREM = (() => {
  const r = rng(7);
  let s = '';
  while (s.length < 65_536 + 256) s += `${WORDS[Math.floor(r() * WORDS.length)]} `;
  return s;
})();

/**
 * Record `i`: 20 fields including `id` and `updated_at` (ISO, increasing with i), the same for the
 * same (i, rowBytes) on every call; `notes` is padded so JSON.stringify(record) is ≈ rowBytes long.
 */
export function generateRecord(i: number, rowBytes = 1000): Record<string, unknown> {
  return generate(i, rowBytes).record;
}

/**
 * `JSON.stringify(generateRecord(i, rowBytes))`, for the benchmark's provider, at the cost of one
 * JSON.stringify instead of two: the text generateRecord measures its padding with only lacks the
 * padding (`notes`, the last field, is plain words, nothing to escape).
 */
export function generateRecordText(i: number, rowBytes = 1000): string {
  const { unpadded, record } = generate(i, rowBytes);
  // unpadded ends in `"notes":""}`.
  return `${unpadded.slice(0, -2)}${record.notes as string}"}`;
}

function generate(i: number, rowBytes: number): { record: Record<string, unknown>; unpadded: string } {
  const r = rng(i * 2654435761 + 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const first = pick(FIRST);
  const last = pick(LAST);
  const record: Record<string, unknown> = {
    id: `rec_${i.toString().padStart(10, '0')}`,
    updated_at: new Date(BASE_TIME + i * 1000).toISOString(),
    created_at: new Date(BASE_TIME + i * 1000 - Math.floor(r() * 86_400_000)).toISOString(),
    first_name: first,
    last_name: last,
    email: `${first}.${last}.${i}@example.com`.toLowerCase(),
    phone: `+1-555-${String(Math.floor(r() * 10_000_000)).padStart(7, '0')}`,
    company: `${pick(LAST)} ${pick(['Labs', 'Systems', 'GmbH', 'Inc', 'Ltd'])}`,
    title: pick(['Engineer', 'Director', 'VP Sales', 'CTO', 'Analyst']),
    city: pick(CITIES),
    country: pick(['DE', 'PT', 'KE', 'JP', 'CA', 'PE', 'NO', 'IN']),
    stage: pick(STAGES),
    amount: Math.round(r() * 1_000_000) / 100,
    score: Math.floor(r() * 100),
    is_active: r() > 0.2,
    owner_id: `usr_${Math.floor(r() * 500)}`,
    tags: [pick(WORDS), pick(WORDS), pick(WORDS)],
    address: { street: `${Math.floor(r() * 999) + 1} ${pick(WORDS)} street`, zip: String(Math.floor(r() * 100_000)).padStart(5, '0') },
    source: pick(['web', 'referral', 'event', 'import', 'api']),
    notes: '',
  };
  const unpadded = JSON.stringify(record);
  const need = rowBytes - unpadded.length;
  if (need > 0) {
    const start = Math.floor(r() * 200);
    record.notes = LOREM.slice(start, start + need);
  }
  return { record, unpadded };
}

export interface RawCopyStats {
  rows: number;
  bytes: number;
  ms: number;
  rowsPerSecond: number;
}

/** Like `measureRawCopy`, with the details. `ended` is called once the COPY has ended, while its connection is still open. */
export async function measureRawCopyStats(url: string, rows: number, rowBytes = 1000, ended?: () => void): Promise<RawCopyStats> {
  const client = new pg.Client({ connectionString: url, application_name: 'syncwell-copy-baseline' });
  await client.connect();
  const table = `copy_baseline_${randomBytes(4).toString('hex')}`;
  const q = qualified('public', table);
  const columns = targetColumns({ objectType: 'standard' });
  try {
    await client.query(
      `CREATE TABLE ${q} (${columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')},
        PRIMARY KEY ("_supaglue_application_id", "_supaglue_provider_name", "_supaglue_customer_id", "_supaglue_id"))`,
    );
    const emittedAt = new Date().toISOString();
    let bytes = 0;
    function* encoded() {
      for (let i = 0; i < rows; i++) {
        const rec = generateRecord(i, rowBytes);
        const raw = copyJson(rec);
        bytes += raw.length;
        yield `bench_app\tbench\tbench_customer\t${copyField(String(rec.id))}\t${emittedAt}\t${String(rec.updated_at)}\tf\t${raw}\t{}\n`;
      }
    }
    const started = performance.now();
    const copied = await copyRows(client, q, columns.map((c) => quoteIdent(c.name)).join(', '), encoded());
    const ms = performance.now() - started;
    ended?.();
    return { rows: copied, bytes, ms, rowsPerSecond: ms > 0 ? (copied / ms) * 1000 : copied };
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${q}`).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates a table shaped like a destination table in `url`'s database, COPYs `rows` generated
 * records (≈ rowBytes of JSON each) straight into it in one COPY, drops it, and returns rows/s.
 * Generation and encoding happen inside the timed stream (a few µs per row).
 */
export async function measureRawCopy(url: string, rows: number, rowBytes = 1000, ended?: () => void): Promise<number> {
  return (await measureRawCopyStats(url, rows, rowBytes, ended)).rowsPerSecond;
}
