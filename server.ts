/** API role: `npm run api` serves the HTTP API alone against external Postgres and Temporal. */
import { runRoles } from './lib/runtime';

await runRoles({ api: true, worker: false });
