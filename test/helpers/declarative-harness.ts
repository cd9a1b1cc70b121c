/**
 * Shared plumbing for the declarative connector tests: a runtime whose sleeps
 * are recorded instead of slept, and a loop that reads an object to the end.
 */
import { createDeclarativeConnection } from '../../providers/declarative/connector';
import { createHttpRuntime, type HttpRuntimeOptions } from '../../providers/runtime';
import type { JsonValue, ProviderConnection, SourceRecord, WaitInfo } from '../../providers/types';

export interface FastRuntime {
  runtime: ReturnType<typeof createHttpRuntime>;
  sleeps: number[];
  /** The fake clock, advanced by every sleep. */
  clock: { now: number };
}

export function fastRuntime(opts: HttpRuntimeOptions = {}): FastRuntime {
  const sleeps: number[] = [];
  const clock = { now: Date.parse('2024-05-01T00:00:00Z') };
  const runtime = createHttpRuntime({
    random: () => 0.5,
    now: () => clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
    },
    defaultLimits: { concurrency: 8, requestsPerSecond: Infinity, burst: 1 },
    ...opts,
  });
  return { runtime, sleeps, clock };
}

let connectionSeq = 0;

export function connect(def: unknown, params: Record<string, unknown>, rt: FastRuntime = fastRuntime()): ProviderConnection {
  return createDeclarativeConnection(def, { applicationId: 'app', customerId: 'cust', connectionId: `conn-${++connectionSeq}`, providerName: 'test', params }, rt.runtime);
}

export interface ReadAllResult {
  records: SourceRecord[];
  states: (JsonValue | null)[];
  waits: WaitInfo[];
}

export async function readAll(
  conn: ProviderConnection,
  object: string,
  opts: { modifiedSince?: Date | null; pageState?: JsonValue | null; maxPages?: number } = {},
): Promise<ReadAllResult> {
  const records: SourceRecord[] = [];
  const states: (JsonValue | null)[] = [];
  const waits: WaitInfo[] = [];
  let pageState = opts.pageState ?? null;
  for (let i = 0; i < (opts.maxPages ?? 100); i++) {
    const page = await conn.readPage({
      object,
      objectType: 'standard',
      modifiedSince: opts.modifiedSince ?? null,
      pageState,
      onWait: (w) => waits.push(w),
    });
    records.push(...page.records);
    // Page state is persisted as JSON between pages: make sure it survives that.
    pageState = page.nextPageState === null ? null : JSON.parse(JSON.stringify(page.nextPageState));
    states.push(pageState);
    if (pageState === null) return { records, states, waits };
  }
  throw new Error(`readAll: more than ${opts.maxPages ?? 100} pages`);
}
