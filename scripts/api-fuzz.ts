/**
 * `npm run test:api-fuzz`: property-based testing of every API surface against its reference
 * document with schemathesis (from PyPI, into .cache/schemathesis). Starts `npm start` on free ports
 * with a scratch DATA_DIR, seeds one of each resource so generated requests reach real ones, then runs
 * schemathesis per document with the checks named in scripts/api-fuzz.toml. Accepted deviations of a
 * reference (scripts/api-fuzz-deviations.ts) are patched into a copy of it; anything else fails.
 *
 * API_FUZZ_SECONDS (default 60) is each document's time budget; API_FUZZ_ONLY=mgmt,crm… picks documents.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../lib/ports';
import { stopChild } from '../lib/processes';
import { applyDeviations } from './api-fuzz-deviations';
import { type Seeded, seed } from './api-fuzz-seed';

const ROOT = path.resolve(import.meta.dirname, '..');
const SPECS = path.resolve(ROOT, process.env.REFERENCE_SPECS_DIR ?? path.join('..', 'shared', 'reference'));
const SECONDS = Number(process.env.API_FUZZ_SECONDS ?? 60);
const ONLY = process.env.API_FUZZ_ONLY?.split(',').filter(Boolean);

interface Surface {
  name: string;
  /** A reference file in SPECS, or a path of our own API that serves the document. */
  spec: { file: string } | { served: string };
  /** Where the document's paths are rooted (hotglue and integrations paths carry their own prefix). */
  basePath: string;
  headers: (s: Seeded) => Record<string, string>;
}

const apiKey = (s: Seeded) => ({ 'x-api-key': s.apiKey });
const SURFACES: Surface[] = [
  { name: 'mgmt', spec: { file: 'supaglue-mgmt-v2.openapi.json' }, basePath: '/mgmt/v2', headers: apiKey },
  // Our own document: the same operations plus the extensions (x-extension).
  { name: 'mgmt-extensions', spec: { served: '/mgmt/v2/openapi.json' }, basePath: '/mgmt/v2', headers: apiKey },
  { name: 'crm', spec: { file: 'supaglue-crm-v2.openapi.json' }, basePath: '/crm/v2', headers: apiKey },
  { name: 'hotglue', spec: { file: 'hotglue-v2.openapi.json' }, basePath: '', headers: apiKey },
  { name: 'integrations', spec: { file: 'cycle-integrations.openapi.json' }, basePath: '', headers: (s) => ({ ...apiKey(s), 'X-Hub-Id': s.customerId }) },
];

async function main(): Promise<number> {
  const install = spawnSync('bash', [path.join(ROOT, 'scripts/api-fuzz-install.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (install.status !== 0) throw new Error('installing schemathesis failed');
  const schemathesis = install.stdout.trim().split('\n').at(-1)!;

  const dir = await mkdtemp(path.join(tmpdir(), 'syncwell-api-fuzz-'));
  // Postgres runs as an unprivileged user when we are root: it must be able to reach its data dir.
  await chmod(dir, 0o755);
  const env = {
    ...process.env,
    PORT: String(await freePort()),
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    DATA_DIR: path.join(dir, 'data'),
    API_KEY: `sk_fuzz_${randomBytes(16).toString('hex')}`,
    LOG_FORMAT: 'json',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  const origin = `http://127.0.0.1:${env.PORT}`;
  const stackLog = path.join(ROOT, '.cache/schemathesis/stack.log');
  await mkdir(path.dirname(stackLog), { recursive: true });
  const log = await open(stackLog, 'w');
  const stack = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['main.ts'], { cwd: ROOT, env, stdio: ['ignore', log.fd, log.fd] });
  try {
    await waitReady(origin, stack).catch(async (err) => {
      console.error((await readFile(stackLog, 'utf8')).split('\n').slice(-30).join('\n'));
      throw err;
    });
    const seeded = await seed(origin, { cwd: ROOT, env });
    console.log(`seeded: ${JSON.stringify({ ...seeded, apiKey: '…' })}`);
    const failed: string[] = [];
    for (const surface of SURFACES.filter((s) => !ONLY || ONLY.includes(s.name))) {
      const code = await runSurface(schemathesis, surface, origin, seeded, dir);
      if (code !== 0) failed.push(surface.name);
    }
    console.log(failed.length ? `api-fuzz: failures in ${failed.join(', ')}` : 'api-fuzz: every document passed');
    return failed.length ? 1 : 0;
  } finally {
    await stopChild(stack, 30_000);
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function runSurface(bin: string, surface: Surface, origin: string, s: Seeded, dir: string): Promise<number> {
  const raw = 'file' in surface.spec ? JSON.parse(await readFile(path.join(SPECS, surface.spec.file), 'utf8')) : await (await fetch(origin + surface.spec.served)).json();
  const specPath = path.join(dir, `${surface.name}.openapi.json`);
  await writeFile(specPath, JSON.stringify(applyDeviations(surface.name, raw)));
  const headers = Object.entries(surface.headers(s)).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const args = [
    '--config-file',
    path.join(ROOT, 'scripts/api-fuzz.toml'),
    'run',
    specPath,
    '--url',
    origin + surface.basePath,
    ...headers,
    '--max-time',
    String(SECONDS),
    '--seed',
    process.env.API_FUZZ_SEED ?? String(Date.now() % 100_000),
    '--no-color',
    '--report',
    'ndjson',
    '--report-dir',
    path.join(ROOT, '.cache/schemathesis/reports', surface.name),
  ];
  // Only this run's report: each one is tens of MB.
  await rm(path.join(ROOT, '.cache/schemathesis/reports', surface.name), { recursive: true, force: true });
  // The whole report goes to a log; the console gets one line per document, and the report when it failed.
  // Keeping it short leaves the test runner's summary readable at the end of a CI log.
  const logPath = path.join(ROOT, '.cache/schemathesis/reports', `${surface.name}.log`);
  await mkdir(path.dirname(logPath), { recursive: true });
  const log = await open(logPath, 'w');
  const child = spawn(bin, args, { cwd: dir, env: { ...process.env, ...fuzzEnv(s) }, stdio: ['ignore', log.fd, log.fd] });
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
  await log.close();
  const output = await readFile(logPath, 'utf8');
  const cases = /Test cases:\s*\n\s*(.+)/.exec(output)?.[1]?.trim() ?? 'no summary';
  const where = `schemathesis ${path.basename(specPath)} against ${origin + surface.basePath}, ${SECONDS}s`;
  console.log(`api-fuzz ${surface.name}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`}, ${cases} (${where}; report ${path.relative(ROOT, logPath)})`);
  if (code !== 0) console.log(output);
  return code;
}

/** The variables scripts/api-fuzz.toml reads. */
function fuzzEnv(s: Seeded): Record<string, string> {
  return {
    FUZZ_APPLICATION_ID: s.applicationId,
    FUZZ_CUSTOMER_ID: s.customerId,
    FUZZ_PROVIDER_NAME: s.providerName,
    FUZZ_PROVIDER_ID: s.providerId,
    FUZZ_DESTINATION_ID: s.destinationId,
    FUZZ_SYNC_CONFIG_ID: s.syncConfigId,
    FUZZ_MAGIC_LINK_ID: s.magicLinkId,
    FUZZ_SCHEMA_ID: s.schemaId,
    FUZZ_ENTITY_ID: s.entityId,
    FUZZ_INTEGRATION_ID: s.integrationId,
    FUZZ_DOOMED_CUSTOMER_ID: s.doomed.customerId,
    FUZZ_DOOMED_PROVIDER_ID: s.doomed.providerId,
    FUZZ_DOOMED_DESTINATION_ID: s.doomed.destinationId,
    FUZZ_DOOMED_SYNC_CONFIG_ID: s.doomed.syncConfigId,
    FUZZ_DOOMED_MAGIC_LINK_ID: s.doomed.magicLinkId,
    FUZZ_DOOMED_SCHEMA_ID: s.doomed.schemaId,
    FUZZ_DOOMED_ENTITY_ID: s.doomed.entityId,
  };
}

async function waitReady(origin: string, stack: ChildProcess): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (stack.exitCode !== null) throw new Error(`npm start exited with ${stack.exitCode}`);
    const res = await fetch(`${origin}/ready`).catch(() => undefined);
    if (res?.ok) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the stack was not ready within 3 minutes');
}

process.exitCode = await main().catch((err) => {
  console.error(err);
  return 1;
});
