/** API role: `npm run api` serves the HTTP API alone against external Postgres and Temporal. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { runRoles } = await import('./lib/runtime');
  await runRoles({ api: true, worker: false });
}
