import { describe, expect, it } from 'vitest';
import { loadDestinationWithSecrets } from '../services/destinations/destinations';
import { useTenants } from './helpers/tenants';
import { NotFoundError } from '../lib/errors';

const { api, a, b } = useTenants();

const fields = (res: { body: any }) => res.body.errors[0].meta.fields.map((f: { field: string }) => f.field);
const rawRow = (id: string) => api.tdb.db.selectFrom('destinations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

/** The secret must be absent from the response and the plain config column, present only in the ciphertext. */
async function expectSecretsHidden(res: { body: unknown }, id: string, secrets: string[]) {
  const row = await rawRow(id);
  const text = JSON.stringify(res.body);
  for (const s of secrets) {
    expect(text).not.toContain(s);
    expect(JSON.stringify(row.config)).not.toContain(s);
    expect(row.secrets_encrypted).not.toContain(s);
    expect(api.deps.secrets.decrypt(row.secrets_encrypted!)).toContain(s);
  }
}

const pg = {
  host: 'db.example.com',
  port: 5432,
  database: 'warehouse',
  schema: 'public',
  user: 'loader',
  password: 'pg-password-s3cr3t',
  ssl_mode: 'require',
};

describe('destinations', () => {
  it('creates a postgres destination; the password is encrypted and never returned', async () => {
    const created = await a.request('POST', '/destinations', { body: { name: 'warehouse', type: 'postgres', config: pg } });
    expect(created.status).toBe(201);
    const { password: _pw, ...safe } = pg;
    expect(created.body).toEqual({ id: expect.any(String), application_id: a.applicationId, name: 'warehouse', type: 'postgres', config: safe, version: 1 });
    const id = created.body.id;
    const get = await a.request('GET', `/destinations/${id}`);
    expect(get.body).toEqual(created.body);
    const list = await a.request('GET', '/destinations');
    expect(list.body).toEqual([created.body]);
    for (const res of [created, get, list]) await expectSecretsHidden(res, id, [pg.password]);
    expect(api.deps.secrets.decryptJson((await rawRow(id)).secrets_encrypted!)).toEqual({ password: pg.password });

    expect(await loadDestinationWithSecrets(api.deps, a.applicationId, id)).toEqual({ id, name: 'warehouse', type: 'postgres', version: 1, config: pg });
  });

  it("hides every type's secrets", async () => {
    const cases = [
      {
        type: 'bigquery',
        config: { project_id: 'proj-1', dataset: 'raw', credentials: { client_email: 'sa@proj-1.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----bq-key' } },
        safe: { project_id: 'proj-1', dataset: 'raw', credentials: { client_email: 'sa@proj-1.iam.gserviceaccount.com' } },
        secrets: ['-----BEGIN PRIVATE KEY-----bq-key'],
      },
      {
        type: 'snowflake',
        config: { host: 'acct.snowflakecomputing.com', role: 'LOADER', warehouse: 'WH', database: 'DB', schema: 'PUBLIC', username: 'u', password: 'snowflake-pass-1' },
        safe: { host: 'acct.snowflakecomputing.com', role: 'LOADER', warehouse: 'WH', database: 'DB', schema: 'PUBLIC', username: 'u' },
        secrets: ['snowflake-pass-1'],
      },
      {
        type: 'redshift',
        config: {
          host: 'rs.example.com',
          port: 5439,
          username: 'u',
          database: 'd',
          schema: 's',
          upload_method: 's3',
          s3_key_id: 'AKIA1',
          s3_bucket_name: 'bkt',
          s3_bucket_region: 'us-east-1',
          s3_access_key: 'redshift-s3-secret',
        },
        safe: {
          host: 'rs.example.com',
          port: 5439,
          username: 'u',
          database: 'd',
          schema: 's',
          upload_method: 's3',
          s3_key_id: 'AKIA1',
          s3_bucket_name: 'bkt',
          s3_bucket_region: 'us-east-1',
        },
        secrets: ['redshift-s3-secret'],
      },
      {
        type: 's3',
        config: {
          bucket: 'exports',
          region: 'us-east-1',
          access_key_id: 'AKIA2',
          secret_access_key: 's3-secret-access-key',
          endpoint: 'http://127.0.0.1:9000',
          force_path_style: true,
        },
        safe: { bucket: 'exports', region: 'us-east-1', access_key_id: 'AKIA2', endpoint: 'http://127.0.0.1:9000', force_path_style: true },
        secrets: ['s3-secret-access-key'],
      },
      {
        type: 'api',
        config: { url: 'https://hooks.example.com/ingest', headers: { 'x-team': 'data' }, auth: { type: 'bearer', token: 'api-bearer-token-1' } },
        safe: { url: 'https://hooks.example.com/ingest', headers: { 'x-team': 'data' }, auth: { type: 'bearer' }, batch_size: 100 },
        secrets: ['api-bearer-token-1'],
      },
      {
        type: 'api',
        config: { url: 'http://hooks.example.com/basic', auth: { type: 'basic', username: 'bob', password: 'api-basic-pass-1' }, batch_size: 500 },
        safe: { url: 'http://hooks.example.com/basic', auth: { type: 'basic', username: 'bob' }, batch_size: 500 },
        secrets: ['api-basic-pass-1'],
      },
      {
        type: 'api',
        config: { url: 'https://hooks.example.com/key', auth: { type: 'api_key', header: 'X-Api-Key', value: 'api-key-value-1' } },
        safe: { url: 'https://hooks.example.com/key', auth: { type: 'api_key', header: 'X-Api-Key' }, batch_size: 100 },
        secrets: ['api-key-value-1'],
      },
    ];
    for (const [i, c] of cases.entries()) {
      const res = await a.request('POST', '/destinations', { body: { name: `dest-${i}`, type: c.type, config: c.config } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toEqual({ id: expect.any(String), application_id: a.applicationId, name: `dest-${i}`, type: c.type, config: c.safe, version: 1 });
      await expectSecretsHidden(res, res.body.id, c.secrets);
      await expectSecretsHidden(await a.request('GET', `/destinations/${res.body.id}`), res.body.id, c.secrets);
      const loaded = await loadDestinationWithSecrets(api.deps, a.applicationId, res.body.id);
      expect(loaded.config).toEqual(c.type === 'api' ? { batch_size: 100, ...c.config } : c.config);
    }
    const list = await a.request('GET', '/destinations');
    for (const c of cases) for (const s of c.secrets) expect(JSON.stringify(list.body)).not.toContain(s);
  });

  it('versions updates, refuses stale versions (409) and keeps omitted secrets', async () => {
    const created = (await a.request('POST', '/destinations', { body: { name: 'versioned', type: 'postgres', config: pg } })).body;
    const { password: _pw, ...safe } = pg;
    const put = await a.request('PUT', `/destinations/${created.id}`, { body: { name: 'versioned', type: 'postgres', version: 1, config: { ...safe, host: 'db2.example.com' } } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ ...created, config: { ...safe, host: 'db2.example.com' }, version: 2 });
    expect((await loadDestinationWithSecrets(api.deps, a.applicationId, created.id)).config.password).toBe(pg.password);

    const stale = await a.request('PUT', `/destinations/${created.id}`, { body: { name: 'versioned', type: 'postgres', version: 1, config: safe } });
    expect(stale.status).toBe(409);
    expect(stale.body.errors[0].detail).toMatch(/version 2/);

    const rotated = await a.request('PUT', `/destinations/${created.id}`, {
      body: { name: 'versioned', type: 'postgres', version: 2, config: { ...safe, password: 'rotated-pass-9' } },
    });
    expect(rotated.body.version).toBe(3);
    await expectSecretsHidden(rotated, created.id, ['rotated-pass-9']);
    expect((await loadDestinationWithSecrets(api.deps, a.applicationId, created.id)).config.password).toBe('rotated-pass-9');

    // Concurrent updates from the same version: exactly one wins.
    const body = { name: 'versioned', type: 'postgres', version: 3, config: safe };
    const results = await Promise.all([1, 2, 3].map(() => a.request('PUT', `/destinations/${created.id}`, { body })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
  });

  it('keeps nested secrets (api auth, bigquery key) on update and needs them when the shape changes', async () => {
    const created = (
      await a.request('POST', '/destinations', { body: { name: 'hook', type: 'api', config: { url: 'https://h.example.com', auth: { type: 'bearer', token: 'tok-keep-1' } } } })
    ).body;
    const kept = await a.request('PUT', `/destinations/${created.id}`, {
      body: { name: 'hook', type: 'api', version: 1, config: { url: 'https://h2.example.com', auth: { type: 'bearer' } } },
    });
    expect(kept.status).toBe(200);
    expect((await loadDestinationWithSecrets(api.deps, a.applicationId, created.id)).config).toEqual({
      url: 'https://h2.example.com',
      auth: { type: 'bearer', token: 'tok-keep-1' },
      batch_size: 100,
    });

    const switched = await a.request('PUT', `/destinations/${created.id}`, {
      body: { name: 'hook', type: 'api', version: 2, config: { url: 'https://h2.example.com', auth: { type: 'api_key', header: 'x-key' } } },
    });
    expect(switched.status).toBe(400);
    expect(fields(switched)).toContain('config.auth.value');

    const noAuth = await a.request('PUT', `/destinations/${created.id}`, { body: { name: 'hook', type: 'api', version: 2, config: { url: 'https://h2.example.com' } } });
    expect(noAuth.status).toBe(200);
    expect((await rawRow(created.id)).secrets_encrypted).toBeNull();

    const bq = (
      await a.request('POST', '/destinations', {
        body: { name: 'bq', type: 'bigquery', config: { project_id: 'p', dataset: 'd', credentials: { client_email: 'a@b.c', private_key: 'bq-private-key-keep' } } },
      })
    ).body;
    const bqPut = await a.request('PUT', `/destinations/${bq.id}`, {
      body: { name: 'bq', type: 'bigquery', version: 1, config: { project_id: 'p', dataset: 'd2', credentials: { client_email: 'a@b.c' } } },
    });
    expect(bqPut.status).toBe(200);
    expect((await loadDestinationWithSecrets(api.deps, a.applicationId, bq.id)).config).toEqual({
      project_id: 'p',
      dataset: 'd2',
      credentials: { client_email: 'a@b.c', private_key: 'bq-private-key-keep' },
    });

    // Changing type: the old secrets do not carry over.
    const toS3 = await a.request('PUT', `/destinations/${bq.id}`, { body: { name: 'bq', type: 's3', version: 2, config: { bucket: 'b', region: 'r', access_key_id: 'k' } } });
    expect(toS3.status).toBe(400);
    expect(fields(toS3)).toEqual(['config.secret_access_key']);
  });

  it('refuses duplicate names (409), the supaglue type (422) and malformed bodies (400)', async () => {
    await a.request('POST', '/destinations', { body: { name: 'dup', type: 'postgres', config: pg } });
    expect((await a.request('POST', '/destinations', { body: { name: 'dup', type: 'postgres', config: pg } })).status).toBe(409);
    const other = (await a.request('POST', '/destinations', { body: { name: 'dup-2', type: 'postgres', config: pg } })).body;
    const { password: _pw, ...safe } = pg;
    expect((await a.request('PUT', `/destinations/${other.id}`, { body: { name: 'dup', type: 'postgres', version: 1, config: safe } })).status).toBe(409);
    expect((await b.request('POST', '/destinations', { body: { name: 'dup', type: 'postgres', config: pg } })).status).toBe(201);

    const supaglue = await a.request('POST', '/destinations', { body: { type: 'supaglue' } });
    expect(supaglue.status).toBe(422);

    const unknownType = await a.request('POST', '/destinations', { body: { name: 'x', type: 'mysql', config: {} } });
    expect(unknownType.status).toBe(400);
    expect(fields(unknownType)).toEqual(['type']);
    const missing = await a.request('POST', '/destinations', { body: { name: 'x', type: 'postgres', config: { host: 'h', port: '5432' } } });
    expect(missing.status).toBe(400);
    expect(fields(missing)).toEqual(expect.arrayContaining(['config.port', 'config.database', 'config.schema', 'config.user', 'config.password']));
    const badUrl = await a.request('POST', '/destinations', { body: { name: 'x', type: 'api', config: { url: 'ftp://x', batch_size: 0 } } });
    expect(fields(badUrl)).toEqual(expect.arrayContaining(['config.url', 'config.batch_size']));
    // The writer's own checks apply too (PEM text, bucket names ...).
    const badPem = await a.request('POST', '/destinations', { body: { name: 'x', type: 'postgres', config: { ...pg, server_ca_cert: 'not a certificate' } } });
    expect(badPem.status).toBe(400);
    expect(fields(badPem)).toEqual(['config.server_ca_cert']);
    const badBucket = await a.request('POST', '/destinations', {
      body: { name: 'x', type: 's3', config: { bucket: 'a b', region: 'r', access_key_id: 'k', secret_access_key: 's' } },
    });
    expect(fields(badBucket)).toEqual(['config.bucket']);
    const noVersion = await a.request('PUT', `/destinations/${other.id}`, { body: { name: 'x', type: 'postgres', config: safe } });
    expect(noVersion.status).toBe(400);
    expect(fields(noVersion)).toEqual(['version']);
    expect((await a.request('POST', '/destinations', { rawBody: '{"name":' })).status).toBe(400);
    const nul = await a.request('POST', '/destinations', { body: { name: 'n', type: 'postgres', config: { ...pg, database: 'd\u0000' } } });
    expect(nul.status).toBe(400);
    expect(fields(nul)).toEqual(['config.database']);
  });

  it('answers 404 for unknown and malformed ids, and keeps tenants apart', async () => {
    const { password: _pw, ...safe } = pg;
    const update = { name: 'n', type: 'postgres', version: 1, config: safe };
    for (const id of ['not-a-uuid', '00000000-0000-0000-0000-000000000000']) {
      expect((await a.request('GET', `/destinations/${id}`)).status).toBe(404);
      expect((await a.request('PUT', `/destinations/${id}`, { body: update })).status).toBe(404);
    }
    const d = (await a.request('POST', '/destinations', { body: { name: 'private', type: 'postgres', config: pg } })).body;
    expect((await b.request('GET', `/destinations/${d.id}`)).status).toBe(404);
    expect((await b.request('PUT', `/destinations/${d.id}`, { body: update })).status).toBe(404);
    expect((await b.request('GET', '/destinations')).body.map((x: { id: string }) => x.id)).not.toContain(d.id);
    await expect(loadDestinationWithSecrets(api.deps, b.applicationId, d.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await a.request('GET', `/destinations/${d.id}`)).body.version).toBe(1);
  });
});
