import { createLogger } from '../../lib/logger';

export const testLogger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', 'test');
