import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../lib/crypto';
import { createLogger } from '../../lib/logger';

export const testLogger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', 'test');
export const testSecrets = SecretBox.parse(`test:${randomBytes(32).toString('base64')}`);
