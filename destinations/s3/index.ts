export { s3DestinationConfigSchema, type S3DestinationConfigInput } from './config';
export { createS3Writer } from './writer';
