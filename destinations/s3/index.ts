export { s3DestinationConfigSchema, type S3DestinationConfig, type S3DestinationConfigInput } from './config';
export { createS3Writer, type LatestPointer, type ManifestPart, type RunManifest } from './writer';
export { toRow, type SupaglueRow } from './ndjson';
