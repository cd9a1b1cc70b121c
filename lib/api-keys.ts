import { createHash, randomBytes } from 'node:crypto';

/** API keys are high-entropy random strings, so a fast hash is enough to store them safely. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKey(): string {
  return `sk_${randomBytes(24).toString('base64url')}`;
}
