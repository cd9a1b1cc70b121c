/** API role: `npm run api` serves the HTTP API alone against external Postgres and Temporal. */
import { compose } from './runtime/compose';
import { checkBeforeStart } from './runtime/preflight';
import { serveApi } from './runtime/api-role';
import { externalInfrastructure, runProcess } from './runtime/roles';

await runProcess(async (proc) => {
  const infra = externalInfrastructure(proc);
  await checkBeforeStart(proc.config, { api: true, embedded: false });
  const root = proc.onStop(await compose(proc.config, { logger: proc.logger, database: infra.databaseUrl, temporal: infra.temporalAddress }));
  await serveApi(proc, root, infra);
});
