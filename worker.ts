/**
 * Worker role: `npm run worker` runs it alone against an external Postgres and
 * Temporal cluster; add more of these to scale out. `npm start` embeds it.
 */
import { compose } from './runtime/compose';
import { externalInfrastructure, runProcess, runWorker } from './runtime/roles';
import { applyHeapGrowth } from './runtime/worker-heap';

await runProcess(async (proc) => {
  applyHeapGrowth(proc.config.worker.heapGrowingPercent);
  const infra = externalInfrastructure(proc);
  const root = proc.onStop(await compose(proc.config, { logger: proc.logger, database: infra.databaseUrl, temporal: infra.temporalAddress }));
  await runWorker(proc, root, infra);
});
