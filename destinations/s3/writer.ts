/**
 * S3 destination: one gzip NDJSON object per batch, a manifest per run written last,
 * and `latest.json` pointing at the newest successful full sync.
 */
import { randomUUID } from 'node:crypto';
import { DeleteObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { DestinationWriter, FinishRun, WriteBatch, WriteTarget } from '../types';
import { s3DestinationConfigSchema, type S3DestinationConfig, type S3DestinationConfigInput } from './config';
import { describeS3Error } from './errors';
import { latestKey, manifestKey, partKey, partSeq, runPrefix } from './keys';
import { buildManifest, mapLimit, type LatestPointer, type ManifestPart } from './manifest';
import { toGzipNdjson } from './ndjson';

const RECORD_COUNT_META = 'record-count';
const HEAD_CONCURRENCY = 8;

export function createS3Writer(input: S3DestinationConfigInput): DestinationWriter {
  const config: S3DestinationConfig = s3DestinationConfigSchema.parse(input);
  const { bucket } = config;
  const prefix = config.prefix ?? '';
  const client = new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.force_path_style ?? false,
    credentials: { accessKeyId: config.access_key_id, secretAccessKey: config.secret_access_key },
    // Many S3-compatible stores reject the newer default CRC checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

  async function run<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw describeS3Error(err, { bucket, endpoint: config.endpoint, action });
    }
  }

  async function putJson(key: string, body: unknown, action: string): Promise<void> {
    await run(action, () =>
      client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: JSON.stringify(body, null, 2),
          ContentType: 'application/json',
        }),
      ),
    );
  }

  async function listParts(target: WriteTarget, runId: string): Promise<Array<{ key: string; seq: number; bytes: number }>> {
    const parts: Array<{ key: string; seq: number; bytes: number }> = [];
    let token: string | undefined;
    do {
      const page = await run(`listing parts of run ${runId}`, () =>
        client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: runPrefix(prefix, target, runId) + '/',
            ContinuationToken: token,
          }),
        ),
      );
      for (const obj of page.Contents ?? []) {
        const seq = obj.Key ? partSeq(obj.Key) : null;
        if (obj.Key && seq !== null) parts.push({ key: obj.Key, seq, bytes: obj.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return parts.sort((a, b) => a.seq - b.seq);
  }

  return {
    async prepare() {
      await run('checking the bucket', () => client.send(new HeadBucketCommand({ Bucket: bucket })));
    },

    async writeBatch(target: WriteTarget, batch: WriteBatch) {
      const key = partKey(prefix, target, batch.runId, batch.seq);
      const body = await toGzipNdjson(target, batch.records);
      await run(`writing ${key}`, () =>
        client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: 'application/gzip',
            Metadata: { [RECORD_COUNT_META]: String(batch.records.length) },
          }),
        ),
      );
    },

    async finishRun(target: WriteTarget, runInfo: FinishRun) {
      const listed = await listParts(target, runInfo.runId);
      const parts = await mapLimit(listed, HEAD_CONCURRENCY, async (p): Promise<ManifestPart> => {
        const head = await run(`reading ${p.key}`, () => client.send(new HeadObjectCommand({ Bucket: bucket, Key: p.key })));
        const records = Number(head.Metadata?.[RECORD_COUNT_META] ?? NaN);
        return { ...p, records: Number.isFinite(records) ? records : 0 };
      });
      const finishedAt = new Date().toISOString();
      const manifest = buildManifest(target, runInfo, parts, finishedAt);
      const mKey = manifestKey(prefix, target, runInfo.runId);
      await putJson(mKey, manifest, 'writing the run manifest');
      if (runInfo.success && runInfo.strategy === 'full') {
        const latest: LatestPointer = {
          run_id: runInfo.runId,
          run_prefix: runPrefix(prefix, target, runInfo.runId),
          manifest_key: mKey,
          strategy: 'full',
          num_records: manifest.num_records_written,
          finished_at: finishedAt,
        };
        await putJson(latestKey(prefix, target), latest, 'updating latest.json');
      }
    },

    async test() {
      const key = [prefix, '_syncwell_connection_test', `${randomUUID()}.txt`].filter(Boolean).join('/');
      await run('writing a probe object', () => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'syncwell connection test\n', ContentType: 'text/plain' })));
      await run('deleting the probe object', () => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
    },

    async close() {
      client.destroy();
    },
  };
}
