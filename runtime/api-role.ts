/** The API role (`npm run api`, and `npm start` beside a worker): the Management API on HOST:PORT and the default application. */
import { createApp } from '../api/app';
import type { Config } from '../lib/config';
import { ensureDefaultApplication } from '../services/tenants/applications';
import type { Composition } from './compose';
import type { Infrastructure } from './infrastructure';
import { listen, type RunningProcess } from './roles';

/** The API role: the Management API on HOST:PORT, and the default application (its key printed once). */
export async function serveApi(proc: RunningProcess, root: Composition, infra: Infrastructure): Promise<void> {
  const { config } = proc;
  const app = createApp(root.app);
  const server = await listen(app.fetch, config.host, config.port);
  proc.onStop({ close: () => new Promise((resolve) => server.close(resolve)) });
  const bootstrap = await ensureDefaultApplication(root.services.db, config.apiKey);
  printBanner(config, infra.temporalUiUrl, bootstrap);
}

function printBanner(config: Config, uiUrl: string | undefined, bootstrap: { apiKey: string | undefined; created: boolean }) {
  const lines = [
    '',
    `  API            ${config.publicUrl}/mgmt/v2`,
    `  API reference  ${config.publicUrl}/docs`,
    `  Health         ${config.publicUrl}/health`,
    `  Temporal UI    ${uiUrl ?? '(external cluster: see your Temporal UI)'}`,
  ];
  if (bootstrap.apiKey && (bootstrap.created || config.apiKey)) {
    lines.push(`  API key        ${bootstrap.apiKey}${bootstrap.created && !config.apiKey ? '   (shown once; store it now)' : ''}`);
  } else {
    lines.push('  API key        (created on first start; `npm run cli -- applications create --name NAME` makes another)');
  }
  console.log(lines.join('\n') + '\n');
}
