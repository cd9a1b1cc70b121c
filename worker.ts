/**
 * Worker role: `npm run worker` runs it alone against an external Postgres and
 * Temporal cluster; add more of these to scale out. `npm start` embeds it.
 */
import { runRoles } from './lib/runtime';

await runRoles({ api: false, worker: true });
