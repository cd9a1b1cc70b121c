export { s3DestinationConfigSchema, type S3DestinationConfig, type S3DestinationConfigInput } from './config';
export { createS3Writer } from './writer';
export type { LatestPointer, ManifestPart, RunManifest } from './manifest';
export { toRow, type SupaglueRow } from './ndjson';
