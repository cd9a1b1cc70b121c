// Docker cannot run on the CI machine; this checks the stack's shape instead.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../lib/config';
import { SEARCH_ATTRIBUTE_TYPES } from '../lib/search-attributes';

type Service = {
  image?: string;
  build?: string;
  command?: string[];
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

  it('builds the API and worker from the Dockerfile, each role alone, against the stack', () => {
    for (const role of ['api', 'worker'] as const) {
      const svc = s[role]!;
      expect(svc.build).toBe('.');
      expect(svc.command).toEqual(['npm', 'run', role]);
      expect(deps(svc)).toEqual(expect.arrayContaining(['postgres', 'temporal']));
      const env = svc.environment!;
      expect(env.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
      // The environment the services get must pass our own config validation.
      const config = loadConfig({ ...env, API_KEY: 'a-long-enough-test-key' });
      expect(config.databaseUrl).toBe(env.DATABASE_URL);
      expect(config.temporal.address).toBe('temporal:7233');
    }
  });

  it('registers every custom search attribute the engine uses', () => {
    const setup = JSON.stringify(s['temporal-setup']);
    for (const name of Object.keys(SEARCH_ATTRIBUTE_TYPES)) expect(setup).toContain(name);
  });

  it('has a Dockerfile whose roles exist as npm scripts', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.api).toBeDefined();
    expect(pkg.scripts.worker).toBeDefined();
    expect(readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8')).toMatch(/npm ci/);
  });
});
