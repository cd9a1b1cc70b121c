import { z } from 'zod';

/** Accepts `my-bucket`, `s3://my-bucket` or `s3://my-bucket/` (the management API's example form). */
function normalizeBucket(value: string): string {
  return value
    .trim()
    .replace(/^s3:\/\//i, '')
    .replace(/\/+$/, '');
}

/** `/a/b/` → `a/b`; empty means "bucket root". */
function normalizePrefix(value: string): string {
  return value.trim().replace(/^\/+/, '').replace(/\/+$/, '');
}

export const s3DestinationConfigSchema = z.object({
  region: z.string().trim().min(1),
  bucket: z
    .string()
    .transform(normalizeBucket)
    .pipe(
      z
        .string()
        .min(3)
        .max(255)
        // Lenient enough for legacy us-east-1 names (uppercase, underscores); no slashes or spaces.
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'bucket must be a bucket name such as my-bucket or s3://my-bucket'),
    ),
  access_key_id: z.string().trim().min(1),
  secret_access_key: z.string().min(1),
  /** Custom endpoint for S3-compatible stores (MinIO, R2, ...). */
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  /** Path-style addressing (`endpoint/bucket/key`), needed by most S3-compatible stores. */
  force_path_style: z.boolean().optional(),
  prefix: z.string().transform(normalizePrefix).optional(),
});

export type S3DestinationConfigInput = z.input<typeof s3DestinationConfigSchema>;
export type S3DestinationConfig = z.output<typeof s3DestinationConfigSchema>;
