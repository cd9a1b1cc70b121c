import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../lib/crypto';
import { createLogger } from '../../lib/logger';

export const testLogger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', 'test');
/** ENCRYPTION_KEY of this test process, for worker subprocesses that must read its secrets. */
export const testEncryptionKey = `test:${randomBytes(32).toString('base64')}`;
export const testSecrets = SecretBox.parse(testEncryptionKey);
