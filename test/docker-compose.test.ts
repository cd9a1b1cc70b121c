// Docker cannot run on the CI machine; this checks the stack's and the image's shape instead, and runs
// what runs without Docker: the HEALTHCHECK command (test/production-build.test.ts runs the build itself).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../lib/config';
import { SEARCH_ATTRIBUTE_TYPES } from '../lib/search-attributes';

type Service = {
  image?: string;
  build?: string;
  command?: string[];
  volumes?: string[];
  stop_grace_period?: string;
  ports?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  environment?: Record<string, string>;
};
const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const s = compose.services;
const deps = (svc: Service) => (Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {}));

describe('docker-compose.yml', () => {
  it('has Postgres, Temporal on that Postgres, the UI, the API and a worker', () => {
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['postgres', 'temporal', 'temporal-ui', 'api', 'worker']));
    expect(s.postgres!.image).toMatch(/^postgres:/);
    expect(s.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres' });
    expect(deps(s.temporal!)).toContain('postgres');
    expect(s['temporal-ui']!.environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('publishes the ports the README names', () => {
    expect(s.api!.ports).toContain('8080:8080');
    expect(s['temporal-ui']!.ports).toContain('8233:8080');
    expect(s.temporal!.ports).toContain('7233:7233');
  });

  it('runs the API and worker from one image built from the Dockerfile, each role alone, against the stack', () => {
    for (const [role, entry] of [
      ['api', 'server'],
      ['worker', 'worker'],
    ] as const) {
      const svc = s[role]!;
      expect(svc.build).toBe('.');
      expect(svc.image).toBe(s.api!.image);
      // The built entry point, with plain node: no npm wrapper between the signal and the process, no tsx.
      expect(svc.command?.[0]).toBe('node');
      expect(svc.command?.at(-1)).toBe(`dist/${entry}.js`);
      expect(existsSync(new URL(`../${entry}.ts`, import.meta.url))).toBe(true);
      expect(deps(svc)).toEqual(expect.arrayContaining(['postgres', 'temporal']));
      const env = svc.environment!;
      expect(env.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
      // The environment the services get must pass our own config validation.
      const config = loadConfig({ ...env, API_KEY: 'a-long-enough-test-key' });
      expect(config.databaseUrl).toBe(env.DATABASE_URL);
      expect(config.temporal.address).toBe('temporal:7233');
      // One DATA_DIR for all: without ENCRYPTION_KEY, the dev key the first process generates there.
      expect(svc.volumes).toContain('app-data:/data');
    }
  });

  it("starts the worker with a smaller young generation, and the API with node's defaults", () => {
    expect(s.worker!.command).toEqual(['node', '--max-semi-space-size=8', 'dist/worker.js']);
    expect(s.api!.command).toEqual(['node', 'dist/server.js']);
  });

  it('gives the worker a health port and a stop grace beyond its drain', () => {
    const config = loadConfig({ ...s.worker!.environment, API_KEY: 'a-long-enough-test-key' });
    expect(config.worker.healthPort).toBe(8080);
    const stopSeconds = Number(/^(\d+)s$/.exec(s.worker!.stop_grace_period ?? '')?.[1]);
    // The worker's own bound: the grace, then 5 s for cancelled activities (runtime/worker.ts).
    expect(stopSeconds).toBeGreaterThan(config.worker.shutdownGraceMs / 1000 + 5);
  });

  it('registers every custom search attribute the engine uses', () => {
    const setup = JSON.stringify(s['temporal-setup']);
    for (const name of Object.keys(SEARCH_ATTRIBUTE_TYPES)) expect(setup).toContain(name);
  });
});

const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8').replace(/\\\n\s*/g, '');
const stages = dockerfile.split(/^FROM /m).slice(1);
const instructions = (stage: string) => stage.split('\n').filter((l) => /^[A-Z]+ /.test(l));

describe('Dockerfile', () => {
  it('builds once in a build stage: every dependency, then npm run build (the entry points and the workflow bundle)', () => {
    expect(stages).toHaveLength(2);
    const [build] = stages as [string, string];
    expect(build).toMatch(/^node:\S+ AS build\n/);
    expect(instructions(build)).toEqual(expect.arrayContaining(['RUN npm ci --no-audit --no-fund', 'RUN npm run build']));
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toBe('tsx scripts/build.ts');
  });

  it('ships production dependencies and dist/ only, as a non-root user, with a HEALTHCHECK, running plain node', () => {
    const runtime = instructions(stages[1]!);
    expect(runtime).toContain('RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force');
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    // Sources stay in the build stage: nothing else is copied from the context but the manifest and the lockfile.
    expect(runtime.filter((l) => l.startsWith('COPY ')).sort()).toEqual(['COPY --from=build /app/dist ./dist', 'COPY package.json package-lock.json ./']);
    const user = runtime.find((l) => l.startsWith('USER '));
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)\b/);
    expect(runtime.indexOf(user!)).toBeLessThan(runtime.findIndex((l) => l.startsWith('CMD ')));
    expect(runtime.find((l) => l.startsWith('HEALTHCHECK '))).toMatch(/\/health/);
    expect(runtime.at(-1)).toBe('CMD ["node", "dist/server.js"]');
    expect(runtime.join('\n')).not.toMatch(/tsx|--include=dev/);
  });

  it("has a HEALTHCHECK that passes on the role's 200 and fails on its 503", async () => {
    const command = /^HEALTHCHECK .*? CMD (.+)$/m.exec(dockerfile)![1]!;
    let code = 200;
    const server = createServer((req, res) => res.writeHead(req.url === '/health' ? code : 404).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = String((server.address() as AddressInfo).port);
    const check = (env: Record<string, string>) =>
      promisify(execFile)('sh', ['-c', command], { env: { PATH: process.env.PATH ?? '', ...env } }).then(
        () => 0,
        (err: { code?: number }) => err.code ?? -1,
      );
    try {
      expect(await check({ PORT: port })).toBe(0);
      expect(await check({ PORT: '1', WORKER_HEALTH_PORT: port })).toBe(0);
      code = 503;
      expect(await check({ PORT: port })).toBe(1);
      code = 200;
      expect(await check({ PORT: '1' })).toBe(1);
    } finally {
      server.close();
    }
  });

  it('keeps host artefacts out of the build context', () => {
    const ignored = readFileSync(new URL('../.dockerignore', import.meta.url), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git', '.data', '.cache', '.env']));
  });
});
