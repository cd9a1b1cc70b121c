/** `npm start`: the API and a worker in one process, on embedded Postgres and Temporal unless configured otherwise. */
import { compose } from './runtime/compose';
import { startInfrastructure } from './runtime/infrastructure';
import { checkBeforeStart } from './runtime/preflight';
import { serveApi } from './runtime/api-role';
import { runProcess, runWorker } from './runtime/roles';

await runProcess(async (proc) => {
  await checkBeforeStart(proc.config, { api: true, embedded: true });
  const infra = proc.onStop(await startInfrastructure(proc.config, proc.logger));
  const root = proc.onStop(await compose(proc.config, { logger: proc.logger, database: infra.databaseUrl, temporal: infra.temporalAddress }));
  // One /metrics, the API's, with the worker's metrics and the Temporal runtime's in it.
  await runWorker(proc, root, infra, { metricsOnApi: true });
  await serveApi(proc, root, infra);
});
