import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// In a process of its own: pino-pretty writes synchronously to fd 1, past any spy on process.stdout.
const logOnce = (format: string) =>
  execFileSync(
    process.execPath,
    ['--import', 'tsx', '-e', `import { createLogger } from './lib/logger.ts'; createLogger('info', 't', '${format}').info({ token: 's3cr3t' }, 'hello');`],
    { encoding: 'utf8' },
  );

describe('createLogger', () => {
  it('pretty: a readable line, loaded on demand, the secret masked', () => {
    const out = logOnce('pretty');
    expect(out).toContain('hello');
    expect(out).toContain('[redacted]');
    expect(out).not.toContain('s3cr3t');
    expect(() => JSON.parse(out)).toThrow();
  });

  it('json: one JSON line, the secret masked', () => {
    const line = JSON.parse(logOnce('json'));
    expect(line).toMatchObject({ msg: 'hello', token: '[redacted]', name: 't' });
  });
});
