/** `npm run temporal:binaries`: fetches the Temporal CLI and the test server into .cache/temporal ahead of time (.ci/run warms the cache with it). */
import { resolveTemporalBinaryPath } from '../lib/temporal-binaries';

for (const which of ['cli', 'test-server'] as const) {
  const p = await resolveTemporalBinaryPath(which, { log: (m) => console.error(m) });
  console.log(`${which}: ${p}`);
}
