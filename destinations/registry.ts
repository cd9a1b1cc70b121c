/**
 * Destination type → writer. Adding a destination kind means one folder and one line here.
 * Writers are cached per destination and rebuilt when its version changes, so each
 * worker keeps one pool/client per destination.
 */
import { UnprocessableError } from '../lib/errors';
import type { OutboundPolicy } from '../lib/outbound-policy';
import { createApiWriter } from './api';
import { createPostgresWriter } from './postgres';
import type { DestinationWriter } from './types';

/** What the process gives every writer. The outbound policy only concerns the HTTP API (see lib/outbound-policy.ts). */
export interface WriterEnv {
  outboundPolicy?: OutboundPolicy;
}

type WriterFactory = (config: Record<string, unknown>, env: WriterEnv) => DestinationWriter;

const factories: Record<string, WriterFactory> = {
  postgres: (c) => createPostgresWriter(c as never),
  // The S3 and BigQuery SDKs cost a worker 19 and 16 MB of RSS once imported (docs/benchmarks.md,
  // "Worker memory"): they load with the first writer of their kind, not with every process.
  s3: (c) => loadedOnFirstCall(async () => (await import('./s3')).createS3Writer(c as never)),
  bigquery: (c) => loadedOnFirstCall(async () => (await import('./bigquery')).createBigQueryWriter(c as never)),
  api: (c, env) => createApiWriter(c as never, { outboundPolicy: env.outboundPolicy }),
};

/**
 * A writer whose module is imported when it is first used. Its config errors therefore surface on
 * that first call (prepare, test, ...), which every caller awaits, rather than when it is built.
 */
function loadedOnFirstCall(create: () => Promise<DestinationWriter>): DestinationWriter {
  let writer: Promise<DestinationWriter> | undefined;
  const loaded = () => (writer ??= create());
  return {
    prepare: async (target) => (await loaded()).prepare(target),
    writeBatch: async (target, batch) => (await loaded()).writeBatch(target, batch),
    finishRun: async (target, run) => (await loaded()).finishRun(target, run),
    test: async () => (await loaded()).test(),
    // Never used: nothing was imported or opened, so there is nothing to close.
    close: async () => (writer ? (await writer.catch(() => undefined))?.close() : undefined),
  };
}

/** The API accepts more types (snowflake, redshift) than have writers: syncs may only target these. */
export function hasWriter(type: string): boolean {
  return Object.hasOwn(factories, type);
}

/** A sync's destination type has no writer: only a configuration change helps (the sync pauses). */
export class UnsupportedDestinationError extends UnprocessableError {
  constructor(type: string) {
    super(`No writer for destination type "${type}" yet`);
  }
}

export interface DestinationRef {
  id: string;
  version: number;
  type: string;
  /** Full config, secrets decrypted. */
  config: Record<string, unknown>;
}

export interface WriterCache {
  get(destination: DestinationRef): DestinationWriter;
  closeAll(): Promise<void>;
  readonly size: number;
}

export function createWriterCache(env: WriterEnv = {}): WriterCache {
  const entries = new Map<string, { version: number; writer: DestinationWriter }>();
  return {
    get(destination) {
      const current = entries.get(destination.id);
      // An older version than the cached one gets the newest writer: a superseded config is never re-opened.
      if (current && current.version >= destination.version) return current.writer;
      const factory = factories[destination.type];
      if (!factory) throw new UnsupportedDestinationError(destination.type);
      const writer = factory(destination.config, env);
      entries.set(destination.id, { version: destination.version, writer });
      if (current) void current.writer.close().catch(() => undefined);
      return writer;
    },
    async closeAll() {
      const writers = [...entries.values()].map((e) => e.writer);
      entries.clear();
      await Promise.allSettled(writers.map((w) => w.close()));
    },
    get size() {
      return entries.size;
    },
  };
}
