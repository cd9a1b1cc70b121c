/**
 * Destination type → writer. Adding a destination kind means one folder and one line here.
 * Writers are cached per destination and rebuilt when its version changes, so each
 * worker keeps one pool/client per destination.
 */
import { UnprocessableError } from '../lib/errors';
import type { OutboundPolicy } from '../lib/outbound-policy';
import { createApiWriter } from './api';
import { createBigQueryWriter } from './bigquery';
import { createPostgresWriter } from './postgres';
import { createS3Writer } from './s3';
import type { DestinationWriter } from './types';

/** What the process gives every writer. The outbound policy only concerns the HTTP API (see lib/outbound-policy.ts). */
export interface WriterEnv {
  outboundPolicy?: OutboundPolicy;
}

type WriterFactory = (config: Record<string, unknown>, env: WriterEnv) => DestinationWriter;

const factories: Record<string, WriterFactory> = {
  postgres: (c) => createPostgresWriter(c as never),
  s3: (c) => createS3Writer(c as never),
  bigquery: (c) => createBigQueryWriter(c as never),
  api: (c, env) => createApiWriter(c as never, { outboundPolicy: env.outboundPolicy }),
};

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
