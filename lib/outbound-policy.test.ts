import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectionBlock,
  guardedLookup,
  inRange,
  outboundBlockOf,
  parseAllowedHosts,
  parseIp,
  parseRange,
  privateRangeOf,
  privateUrlProblem,
  withOutboundPolicy,
  type OutboundPolicy,
} from './outbound-policy';

const on = (extra: Partial<OutboundPolicy> = {}): OutboundPolicy => ({ blockPrivateNetworks: true, allowedHosts: [], allowedRanges: [], ...extra });
const label = (address: string) => privateRangeOf(address)?.label ?? null;

describe('privateRangeOf: IPv4', () => {
  it.each([
    ['0.0.0.0', 'unspecified ("this network")'],
    ['0.255.255.255', 'unspecified ("this network")'],
    ['10.0.0.0', 'private (RFC 1918)'],
    ['10.255.255.255', 'private (RFC 1918)'],
    ['100.64.0.1', 'carrier-grade NAT (RFC 6598)'],
    ['100.127.255.255', 'carrier-grade NAT (RFC 6598)'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['169.254.0.1', 'link-local (cloud metadata)'],
    ['172.16.0.0', 'private (RFC 1918)'],
    ['172.31.255.255', 'private (RFC 1918)'],
    ['192.0.0.170', 'IETF protocol assignment'],
    ['192.168.1.1', 'private (RFC 1918)'],
    ['198.18.0.1', 'benchmarking'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.255', 'multicast'],
    ['240.0.0.1', 'reserved (incl. broadcast)'],
    ['255.255.255.255', 'reserved (incl. broadcast)'],
  ])('%s is %s', (address, expected) => {
    expect(label(address)).toBe(expected);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.0',
    '169.253.255.255',
    '169.255.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.2.1',
    '192.167.255.255',
    '192.169.0.0',
    '198.20.0.0',
    '223.255.255.255',
  ])('%s is public', (address) => {
    expect(privateRangeOf(address)).toBeNull();
  });

  it('names the range it matched', () => {
    expect(privateRangeOf('172.20.1.2')).toEqual({ cidr: '172.16.0.0/12', label: 'private (RFC 1918)' });
  });
});

describe('privateRangeOf: IPv6', () => {
  it.each([
    ['::', 'unspecified'],
    ['0:0:0:0:0:0:0:0', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['FDFF:FFFF::', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['64:ff9b:1::a', 'local-use NAT64'],
  ])('%s is %s', (address, expected) => {
    expect(label(address)).toBe(expected);
  });

  it.each(['2001:4860:4860::8888', '2606:4700:4700::1111', 'fbff::1', 'fe00::1', '::2:0:0:0:0', '2001:db8::1'])('%s is public', (address) => {
    expect(privateRangeOf(address)).toBeNull();
  });

  it.each([
    // IPv4-mapped, dotted and hex
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:7f00:0001', 'loopback'],
    ['::FFFF:169.254.169.254', 'link-local (cloud metadata)'],
    ['::ffff:a9fe:a9fe', 'link-local (cloud metadata)'],
    ['::ffff:10.1.2.3', 'private (RFC 1918)'],
    ['::ffff:0.0.0.0', 'unspecified ("this network")'],
    // IPv4-compatible (deprecated), NAT64 and 6to4 carry an IPv4 address too
    ['::127.0.0.1', 'loopback'],
    ['::c0a8:101', 'private (RFC 1918)'],
    ['64:ff9b::a9fe:a9fe', 'link-local (cloud metadata)'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['2002:c0a8:0101::1', 'private (RFC 1918)'],
    ['2002:7f00:1::', 'loopback'],
  ])('%s (embedded IPv4) is %s', (address, expected) => {
    expect(label(address)).toBe(expected);
  });

  it.each(['::ffff:8.8.8.8', '::ffff:808:808', '64:ff9b::808:808', '2002:808:808::1'])('%s (embedded public IPv4) is public', (address) => {
    expect(privateRangeOf(address)).toBeNull();
  });

  it('refuses what is not an IP address', () => {
    for (const text of ['localhost', 'example.com', '127.1', '256.0.0.1', '1.2.3.4/8', '', ':::1']) expect(() => privateRangeOf(text), text).toThrow(TypeError);
  });
});

describe('parseIp, parseRange, inRange', () => {
  it('maps IPv4 into IPv6 so one range table serves both', () => {
    expect(parseIp('10.0.0.1')).toEqual(parseIp('::ffff:10.0.0.1'));
    expect(parseIp('1:2:3:4:5:6:7:8')).toEqual(Uint8Array.from([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]));
    expect(parseIp('1::8')).toEqual(Uint8Array.from([0, 1, ...Array(12).fill(0), 0, 8]));
    expect(parseIp('nope')).toBeNull();
  });

  it('parses CIDR ranges and single addresses, and refuses malformed ones', () => {
    expect(parseRange('10.1.0.0/16')).toEqual({ bytes: parseIp('10.1.0.0'), prefix: 112 });
    expect(parseRange('10.1.2.3')).toEqual({ bytes: parseIp('10.1.2.3'), prefix: 128 });
    expect(parseRange('fd00::/8')).toEqual({ bytes: parseIp('fd00::'), prefix: 8 });
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/x', '10.0.0.0/', '10.0.0.0/8/8', 'host/8', 'fe80::1%eth0', '10.0.0.0/-1']) expect(parseRange(bad), bad).toBeNull();
  });

  it('matches on the prefix bits only', () => {
    const r = parseRange('10.1.128.0/17')!;
    expect(inRange(parseIp('10.1.200.5')!, r)).toBe(true);
    expect(inRange(parseIp('10.1.127.255')!, r)).toBe(false);
    expect(inRange(parseIp('::ffff:10.1.255.255')!, r)).toBe(true);
    expect(inRange(parseIp('2001:db8::1')!, parseRange('::/0')!)).toBe(true);
  });
});

describe('parseAllowedHosts (OUTBOUND_ALLOWED_HOSTS)', () => {
  it('splits host names from addresses and ranges, normalising case, brackets and trailing dots', () => {
    expect(parseAllowedHosts(' Metrics.Internal. , 10.1.0.0/16,[::1], 192.168.1.7 ,,')).toEqual({
      allowedHosts: ['metrics.internal'],
      allowedRanges: [parseRange('10.1.0.0/16'), parseRange('::1'), parseRange('192.168.1.7')],
      problems: [],
    });
    expect(parseAllowedHosts(undefined)).toEqual({ allowedHosts: [], allowedRanges: [], problems: [] });
  });

  it('reports entries that are neither', () => {
    expect(parseAllowedHosts('ok.example, bad host, 10.0.0.0/40, http://x.example').problems).toEqual([
      '"bad host" is neither a host name nor an IP address or CIDR range',
      '"10.0.0.0/40" is neither a host name nor an IP address or CIDR range',
      '"http://x.example" is neither a host name nor an IP address or CIDR range',
    ]);
  });
});

describe('privateUrlProblem (save-time check)', () => {
  it('allows everything when the policy is off', () => {
    expect(privateUrlProblem(undefined, 'http://127.0.0.1/')).toBeNull();
    expect(privateUrlProblem({ ...on(), blockPrivateNetworks: false }, 'http://localhost/')).toBeNull();
  });

  it('refuses private literals in any spelling the URL parser accepts, and localhost names', () => {
    const cases: Array<[string, RegExp]> = [
      ['http://127.0.0.1:8080/hook', /^127\.0\.0\.1 is a loopback address \(127\.0\.0\.0\/8\); this deployment does not send requests to private networks$/],
      ['http://2130706433/', /^127\.0\.0\.1 is a loopback/],
      ['http://0x7f.1/', /^127\.0\.0\.1 is a loopback/],
      ['http://0177.0.0.1/', /^127\.0\.0\.1 is a loopback/],
      ['http://169.254.169.254/latest/meta-data/', /link-local \(cloud metadata\)/],
      ['https://[::1]/', /^::1 is a loopback address/],
      ['https://[::ffff:127.0.0.1]/', /^::ffff:7f00:1 is a loopback address \(127\.0\.0\.0\/8\)/],
      ['https://[fd00::5]:8443/', /unique-local/],
      ['http://0.0.0.0:9000/', /unspecified/],
      ['http://localhost:3000/', /^localhost is a loopback host name/],
      ['http://LOCALHOST./', /^localhost is a loopback host name/],
      ['http://api.localhost/', /^api\.localhost is a loopback host name/],
    ];
    for (const [url, message] of cases) expect(privateUrlProblem(on(), url), url).toMatch(message);
  });

  it('leaves public addresses, host names (resolved only when connecting) and malformed URLs alone', () => {
    for (const url of ['https://example.com/hook', 'http://8.8.8.8/', 'https://[2606:4700::1111]/', 'http://internal.corp/', 'not a url'])
      expect(privateUrlProblem(on(), url), url).toBeNull();
  });

  it('keeps allowlisted names and ranges allowed', () => {
    const policy = on(parseAllowedHosts('localhost, 10.0.0.0/8'));
    expect(privateUrlProblem(policy, 'http://localhost:1/')).toBeNull();
    expect(privateUrlProblem(policy, 'http://10.2.3.4/')).toBeNull();
    expect(privateUrlProblem(policy, 'http://[::ffff:10.2.3.4]/')).toBeNull();
    expect(privateUrlProblem(policy, 'http://192.168.0.1/')).toMatch(/private \(RFC 1918\)/);
  });
});

describe('connectionBlock and guardedLookup (connect-time check)', () => {
  const table: Record<string, LookupAddress[]> = {
    'rebind.test': [{ address: '127.0.0.1', family: 4 }],
    'mixed.test': [
      { address: '93.184.215.14', family: 4 },
      { address: 'fd00::1', family: 6 },
    ],
    'public.test': [
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
    ],
  };
  const resolve = async (host: string) => {
    const found = table[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found;
  };
  const lookup = (policy: OutboundPolicy, host: string, options: { all?: boolean; family?: number }) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address?: unknown; family?: number }>((done) =>
      guardedLookup(policy)(host, options, (err, address, family) => done({ err, address, family })),
    );

  it('classifies the refusal and says which host resolved to what', () => {
    const err = connectionBlock(on(), 'Rebind.Test.', '127.0.0.1')!;
    expect(err).toMatchObject({ name: 'OutboundBlockedError', code: 'ERR_OUTBOUND_BLOCKED' });
    expect(err.message).toBe(
      'blocked by the outbound network policy: rebind.test resolves to 127.0.0.1, a loopback address (127.0.0.0/8); this deployment does not send requests to private networks',
    );
    expect(connectionBlock(on(), '10.0.0.1', '10.0.0.1')!.message).toMatch(/policy: 10\.0\.0\.1 is a private \(RFC 1918\) address/);
    expect(connectionBlock(on(), 'example.com', '93.184.215.14')).toBeNull();
    expect(connectionBlock({ ...on(), blockPrivateNetworks: false }, 'x', '127.0.0.1')).toBeNull();
    expect(connectionBlock(on({ allowedHosts: ['rebind.test'] }), 'rebind.test', '127.0.0.1')).toBeNull();
    expect(connectionBlock(on(parseAllowedHosts('127.0.0.0/8')), 'rebind.test', '127.0.0.1')).toBeNull();
  });

  it('finds the refusal in an error cause chain', () => {
    const blocked = connectionBlock(on(), 'x', '::1')!;
    expect(outboundBlockOf(new TypeError('fetch failed', { cause: blocked }))).toBe(blocked);
    expect(outboundBlockOf(new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') }))).toBeUndefined();
    expect(outboundBlockOf(undefined)).toBeUndefined();
  });

  it('answers in both lookup shapes when every address is public', async () => {
    const policy = on({ resolve });
    expect(await lookup(policy, 'public.test', { all: true })).toEqual({ err: null, address: table['public.test'], family: undefined });
    expect(await lookup(policy, 'public.test', {})).toEqual({ err: null, address: '93.184.215.14', family: 4 });
    expect(await lookup(policy, 'public.test', { family: 6 })).toEqual({ err: null, address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 });
  });

  it('refuses a host when any of its addresses is private, whichever family was asked for', async () => {
    const policy = on({ resolve });
    expect((await lookup(policy, 'rebind.test', { all: true })).err?.message).toMatch(/rebind\.test resolves to 127\.0\.0\.1, a loopback address/);
    expect((await lookup(policy, 'mixed.test', { family: 4 })).err?.message).toMatch(/mixed\.test resolves to fd00::1, a unique-local address/);
    expect((await lookup(policy, 'rebind.test', { family: 6 })).err?.message).toMatch(/rebind\.test resolves to 127\.0\.0\.1/);
  });

  it('lets allowlisted names through and passes resolver failures on', async () => {
    expect(await lookup(on({ resolve, allowedHosts: ['rebind.test'] }), 'rebind.test', {})).toEqual({ err: null, address: '127.0.0.1', family: 4 });
    expect((await lookup(on({ resolve }), 'nowhere.test', {})).err).toMatchObject({ code: 'ENOTFOUND' });
    expect((await lookup(on({ resolve }), 'public.test', { family: 6 })).err).toBeNull();
    expect((await lookup(on({ resolve, allowedHosts: ['rebind.test'] }), 'rebind.test', { family: 6 })).err).toMatchObject({ code: 'ENOTFOUND' });
  });
});

describe('withOutboundPolicy (fetch over real sockets)', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  const attempt = async (url: string, policy: OutboundPolicy | undefined) => {
    try {
      const res = await fetch(url, withOutboundPolicy(policy, {}));
      return `${res.status} ${await res.text()}`;
    } catch (err) {
      return outboundBlockOf(err)?.message ?? String(err);
    }
  };

  it('changes nothing when the policy is off', async () => {
    const init = { method: 'POST' };
    expect(withOutboundPolicy(undefined, init)).toBe(init);
    expect(await attempt(`http://127.0.0.1:${port}/`, undefined)).toBe('200 ok');
  });

  it('refuses private literals (IPv4, IPv6, mapped) and names resolving to private addresses at connect time', async () => {
    const policy = on({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    expect(await attempt(`http://127.0.0.1:${port}/`, policy)).toMatch(/policy: 127\.0\.0\.1 is a loopback address/);
    expect(await attempt(`http://[::1]:${port}/`, policy)).toMatch(/policy: ::1 is a loopback address/);
    expect(await attempt(`http://[::ffff:127.0.0.1]:${port}/`, policy)).toMatch(/policy: ::ffff:7f00:1 is a loopback address/);
    expect(await attempt(`http://rebind.test:${port}/`, policy)).toMatch(/policy: rebind\.test resolves to 127\.0\.0\.1/);
    expect(await attempt(`http://localhost:${port}/`, on())).toMatch(/policy: localhost resolves to (127\.0\.0\.1|::1)/);
  });

  it('connects to allowlisted names and ranges', async () => {
    expect(await attempt(`http://allowed.test:${port}/`, on({ allowedHosts: ['allowed.test'], resolve: async () => [{ address: '127.0.0.1', family: 4 }] }))).toBe('200 ok');
    expect(await attempt(`http://127.0.0.1:${port}/`, on(parseAllowedHosts('127.0.0.0/8')))).toBe('200 ok');
  });
});
