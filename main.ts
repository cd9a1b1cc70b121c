/** `npm start`: the API and a worker in one process, on embedded Postgres and Temporal unless configured otherwise. */
import { runRoles } from './lib/runtime';

await runRoles({ api: true, worker: true, embedded: true });
