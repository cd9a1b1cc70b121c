import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, oauthTokenUrlKey } from '../lib/config';

describe('config', () => {
  it('applies the embedded defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.temporal.uiPort).toBe(8233);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.temporal.address).toBeUndefined();
    expect(c.publicUrl).toBe('http://localhost:8080');
    expect(c.dataDir.endsWith('.data')).toBe(true);
  });

  it('collects OAuth token and authorization URL overrides by provider, and rejects ones that are not http(s) URLs', () => {
    const c = loadConfig({ SYNCWELL_OAUTH_TOKEN_URL_PIPEDRIVE: 'http://127.0.0.1:9/oauth/token', SYNCWELL_OAUTH_TOKEN_URL_MS_DYNAMICS: ' ' });
    expect(c.oauthTokenUrls).toEqual({ PIPEDRIVE: 'http://127.0.0.1:9/oauth/token' });
    expect(oauthTokenUrlKey('ms-dynamics')).toBe('MS_DYNAMICS');
    expect(() => loadConfig({ PORT: 'x', SYNCWELL_OAUTH_TOKEN_URL_HUBSPOT: 'file:///etc/passwd' })).toThrow(
      /PORT[\s\S]*SYNCWELL_OAUTH_TOKEN_URL_HUBSPOT: must be an http\(s\) URL/,
    );
    const authorize = loadConfig({ SYNCWELL_OAUTH_AUTHORIZE_URL_PIPEDRIVE: 'http://127.0.0.1:9/authorize' });
    expect(authorize.oauthAuthorizeUrls).toEqual({ PIPEDRIVE: 'http://127.0.0.1:9/authorize' });
    expect(authorize.oauthTokenUrls).toEqual({});
    expect(() => loadConfig({ SYNCWELL_OAUTH_AUTHORIZE_URL_HUBSPOT: 'javascript:alert(1)' })).toThrow(/SYNCWELL_OAUTH_AUTHORIZE_URL_HUBSPOT: must be an http\(s\) URL/);
  });

  it('reads the outbound policy: off by default, a boolean switch and an allowlist of names, addresses and ranges', () => {
    expect(loadConfig({}).outboundPolicy).toEqual({ blockPrivateNetworks: false, allowedHosts: [], allowedRanges: [] });
    expect(loadConfig({ OUTBOUND_BLOCK_PRIVATE_NETWORKS: '' }).outboundPolicy.blockPrivateNetworks).toBe(false);
    const c = loadConfig({ OUTBOUND_BLOCK_PRIVATE_NETWORKS: 'true', OUTBOUND_ALLOWED_HOSTS: 'Vault.Internal, 10.20.0.0/16, fd00::7' });
    expect(c.outboundPolicy).toMatchObject({ blockPrivateNetworks: true, allowedHosts: ['vault.internal'] });
    expect(c.outboundPolicy.allowedRanges).toHaveLength(2);
    expect(loadConfig({ OUTBOUND_BLOCK_PRIVATE_NETWORKS: '0' }).outboundPolicy.blockPrivateNetworks).toBe(false);
    expect(() => loadConfig({ OUTBOUND_BLOCK_PRIVATE_NETWORKS: 'sometimes', OUTBOUND_ALLOWED_HOSTS: 'ok.example, 10.0.0.0/99' })).toThrow(
      /OUTBOUND_BLOCK_PRIVATE_NETWORKS[\s\S]*OUTBOUND_ALLOWED_HOSTS: "10\.0\.0\.0\/99" is neither a host name nor an IP address or CIDR range/,
    );
  });

  it('reads the worker metrics port: 9464 by default and when empty, 0 for none, a port or an error', () => {
    expect(loadConfig({}).metricsPort).toBe(9464);
    expect(loadConfig({ METRICS_PORT: ' ' }).metricsPort).toBe(9464);
    expect(loadConfig({ METRICS_PORT: '0' }).metricsPort).toBe(0);
    expect(loadConfig({ METRICS_PORT: '9100' }).metricsPort).toBe(9100);
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT/);
  });

  it("reads the worker's heap growth: 10 % by default and when empty, 0 for V8's own policy, or an error", () => {
    expect(loadConfig({}).worker.heapGrowingPercent).toBe(60);
    expect(loadConfig({ WORKER_HEAP_GROWING_PERCENT: ' ' }).worker.heapGrowingPercent).toBe(60);
    expect(loadConfig({ WORKER_HEAP_GROWING_PERCENT: '0' }).worker.heapGrowingPercent).toBe(0);
    expect(loadConfig({ WORKER_HEAP_GROWING_PERCENT: '25' }).worker.heapGrowingPercent).toBe(25);
    expect(() => loadConfig({ WORKER_HEAP_GROWING_PERCENT: '-1' })).toThrow(/WORKER_HEAP_GROWING_PERCENT/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', TEMPORAL_ADDRESS: ' ' }).databaseUrl).toBeUndefined();
  });

  it('fails fast listing every bad variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', API_KEY: 'short' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'API_KEY']) expect(problems).toContain(name);
    expect((error as ConfigError).problems).toHaveLength(4);
  });
});
