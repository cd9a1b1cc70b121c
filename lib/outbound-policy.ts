/**
 * Protection against server-side request forgery for the URLs tenants configure: webhook
 * endpoints, the HTTP API destination and declarative connectors' base_url. Opt-in
 * (OUTBOUND_BLOCK_PRIVATE_NETWORKS): a self-hosted, single-tenant deployment legitimately
 * targets its private network.
 *
 * Postgres, S3 and BigQuery destinations are deliberately not covered: a private database or
 * object store host is the normal case for them, and their drivers open their own sockets.
 *
 * Two checks: when a URL is saved, a host that is a private IP literal or `localhost` is refused
 * (a readable 400); when a request connects, every address the host resolves to is checked in
 * the connection's own DNS lookup, so a name that resolves differently later (DNS rebinding)
 * cannot slip past a check made earlier.
 */
import { promises as dns, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
// The package of the fetch implementation Node bundles (same major as Node 20's), for an Agent whose
// connector we control; Node's fetch takes it as `dispatcher`.
import { Agent, buildConnector } from 'undici';

export interface AddressRange {
  /** 16 bytes; IPv4 ranges in their IPv4-mapped IPv6 form (::ffff:a.b.c.d). */
  bytes: Uint8Array;
  prefix: number;
}

export interface OutboundPolicy {
  blockPrivateNetworks: boolean;
  /** Host names that stay allowed whatever they resolve to (lower case, no trailing dot). */
  allowedHosts: string[];
  /** Addresses that stay allowed (a single address is a full-length range). */
  allowedRanges: AddressRange[];
  /** Every address of a host name (dns.lookup by default); tests map names to addresses. */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

// --- addresses (pure) --------------------------------------------------------------------

function ipv4Bytes(text: string): number[] {
  return text.split('.').map(Number);
}

/** The 16 bytes of an IP literal (IPv4 as IPv4-mapped IPv6); null when `text` is not one. */
export function parseIp(text: string): Uint8Array | null {
  const version = isIP(text);
  if (version === 4) return Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...ipv4Bytes(text)]);
  if (version !== 6) return null;
  const bare = text.replace(/%.*$/, '');
  const [head = '', tail] = bare.split('::');
  const groups = (part: string) => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const [a, b, c, d] = ipv4Bytes(g);
        out.push((a! << 8) | b!, (c! << 8) | d!);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return Uint8Array.from(all.flatMap((g) => [g >> 8, g & 0xff]));
}

/** `a.b.c.d/n`, `x::y/n` or a single address; null when malformed. */
export function parseRange(text: string): AddressRange | null {
  const [addr = '', prefixText, extra] = text.trim().split('/');
  const bytes = parseIp(addr);
  if (!bytes || extra !== undefined || addr.includes('%')) return null;
  const v4 = isIP(addr) === 4;
  const max = v4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return null;
  return { bytes, prefix: v4 ? prefix + 96 : prefix };
}

export function inRange(bytes: Uint8Array, range: AddressRange): boolean {
  for (let bit = 0; bit < range.prefix; bit += 8) {
    const take = Math.min(8, range.prefix - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[bit / 8]! & mask) !== (range.bytes[bit / 8]! & mask)) return false;
  }
  return true;
}

const range = (cidr: string) => parseRange(cidr)!;

/** Addresses no tenant URL may reach. IPv4-mapped IPv6 (::ffff:0:0/96) is covered by the IPv4 rows. */
const PRIVATE_RANGES: Array<{ cidr: string; label: string; range: AddressRange }> = [
  ['0.0.0.0/8', 'unspecified ("this network")'],
  ['10.0.0.0/8', 'private (RFC 1918)'],
  ['100.64.0.0/10', 'carrier-grade NAT (RFC 6598)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (cloud metadata)'],
  ['172.16.0.0/12', 'private (RFC 1918)'],
  ['192.0.0.0/24', 'IETF protocol assignment'],
  ['192.168.0.0/16', 'private (RFC 1918)'],
  ['198.18.0.0/15', 'benchmarking'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved (incl. broadcast)'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'local-use NAT64'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
].map(([cidr, label]) => ({ cidr: cidr!, label: label!, range: range(cidr!) }));

/** IPv6 forms that carry an IPv4 address the packet ends up at: where in the 16 bytes it sits. */
const EMBEDDED_IPV4: Array<{ range: AddressRange; offset: number }> = [
  { range: range('::/96'), offset: 12 }, // IPv4-compatible (deprecated), ::a.b.c.d
  { range: range('64:ff9b::/96'), offset: 12 }, // NAT64
  { range: range('2002::/16'), offset: 2 }, // 6to4
];

export interface PrivateRange {
  cidr: string;
  label: string;
}

/**
 * The private or special-purpose range an IP address falls in (for IPv6 forms that embed an
 * IPv4 address, the range of that address); null for a public address. Throws for non-IPs.
 */
export function privateRangeOf(address: string): PrivateRange | null {
  const bytes = parseIp(address);
  if (!bytes) throw new TypeError(`not an IP address: ${address}`);
  const direct = PRIVATE_RANGES.find((r) => inRange(bytes, r.range));
  if (direct) return { cidr: direct.cidr, label: direct.label };
  const embedding = EMBEDDED_IPV4.find((e) => inRange(bytes, e.range));
  if (!embedding) return null;
  const v4 = bytes.slice(embedding.offset, embedding.offset + 4).join('.');
  return privateRangeOf(v4);
}

// --- policy ------------------------------------------------------------------------------

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** Lower case, without IPv6 brackets or a trailing dot: how hosts are compared. */
const normalizeHost = (host: string) =>
  host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');

/** OUTBOUND_ALLOWED_HOSTS: comma-separated host names, addresses and CIDR ranges. */
export function parseAllowedHosts(raw: string | undefined): { allowedHosts: string[]; allowedRanges: AddressRange[]; problems: string[] } {
  const out = { allowedHosts: [] as string[], allowedRanges: [] as AddressRange[], problems: [] as string[] };
  for (const entry of (raw ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const host = normalizeHost(entry);
    const r = parseRange(host);
    if (r) out.allowedRanges.push(r);
    else if (HOST_NAME.test(host)) out.allowedHosts.push(host);
    else out.problems.push(`"${entry}" is neither a host name nor an IP address or CIDR range`);
  }
  return out;
}

const isLocalhostName = (host: string) => host === 'localhost' || host.endsWith('.localhost');
const BLOCKED_NOTE = 'this deployment does not send requests to private networks';

/**
 * Save-time check of a tenant URL: a message when its host is a private IP literal or
 * `localhost` (names are only resolved when a request connects); null when it may be saved.
 */
export function privateUrlProblem(policy: OutboundPolicy | undefined, url: string | URL): string | null {
  if (!policy?.blockPrivateNetworks) return null;
  let host: string;
  try {
    host = normalizeHost(new URL(url).hostname);
  } catch {
    return null; // malformed URLs are the callers' own validation's to report
  }
  if (policy.allowedHosts.includes(host)) return null;
  if (isLocalhostName(host)) return `${host} is a loopback host name; ${BLOCKED_NOTE}`;
  const bytes = parseIp(host);
  if (!bytes || policy.allowedRanges.some((r) => inRange(bytes, r))) return null;
  const found = privateRangeOf(host);
  return found ? `${host} is a ${found.label} address (${found.cidr}); ${BLOCKED_NOTE}` : null;
}

/**
 * A connection the policy refused. No retry helps, so callers classify it as a configuration
 * error; fetch hands it over as the `cause` of its own error (see outboundBlockOf).
 */
export class OutboundBlockedError extends Error {
  override name = 'OutboundBlockedError';
  readonly code = 'ERR_OUTBOUND_BLOCKED';
}

/** The refusal to connect to `address` for `hostname`, or null when the policy allows it. */
export function connectionBlock(policy: OutboundPolicy, hostname: string, address: string): OutboundBlockedError | null {
  const host = normalizeHost(hostname);
  if (!policy.blockPrivateNetworks || policy.allowedHosts.includes(host)) return null;
  const bytes = parseIp(address);
  // Fails closed on a resolver answer that is not an address at all.
  if (!bytes) return new OutboundBlockedError(`blocked by the outbound network policy: ${host} resolved to "${address}", not an IP address`);
  if (policy.allowedRanges.some((r) => inRange(bytes, r))) return null;
  const found = privateRangeOf(address);
  if (!found) return null;
  const what = host === normalizeHost(address) ? `${host} is` : `${host} resolves to ${address},`;
  return new OutboundBlockedError(`blocked by the outbound network policy: ${what} a ${found.label} address (${found.cidr}); ${BLOCKED_NOTE}`);
}

/** The policy's refusal somewhere in an error's cause chain (fetch wraps it as `cause`). */
export function outboundBlockOf(err: unknown): Error | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === 'ERR_OUTBOUND_BLOCKED') return e as Error;
  }
  return undefined;
}

const systemResolve = (hostname: string) => dns.lookup(hostname, { all: true });

/**
 * A `lookup` for net/tls connect: resolves every address of the host and fails when any is
 * refused, so the address connected to is always one that was checked.
 */
export function guardedLookup(policy: OutboundPolicy): LookupFunction {
  const resolve = policy.resolve ?? systemResolve;
  return (hostname, options, callback) => {
    const fail = callback as (err: NodeJS.ErrnoException) => void;
    resolve(hostname).then(
      (all) => {
        // Every address, not only the family asked for: a host with any private address is refused.
        for (const a of all) {
          const blocked = connectionBlock(policy, hostname, a.address);
          if (blocked) return fail(blocked);
        }
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const addresses = family ? all.filter((a) => a.family === family) : all;
        if (addresses.length === 0) return fail(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }));
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => fail(err),
    );
  };
}

const dispatchers = new WeakMap<OutboundPolicy, Agent>();

/** The policy's connection pool: IP literals are checked here (net.connect skips the lookup for them). */
function dispatcherFor(policy: OutboundPolicy): Agent {
  let agent = dispatchers.get(policy);
  if (!agent) {
    const connect = buildConnector({ lookup: guardedLookup(policy) });
    agent = new Agent({
      connect: (opts, callback) => {
        const host = normalizeHost(opts.hostname);
        const blocked = isIP(host) ? connectionBlock(policy, host, host) : null;
        if (blocked) callback(blocked, null);
        else connect(opts, callback);
      },
    });
    dispatchers.set(policy, agent);
  }
  return agent;
}

/** `init` for fetch, under the policy when it is on (otherwise fetch's global dispatcher, as before). */
export function withOutboundPolicy(policy: OutboundPolicy | undefined, init: RequestInit): RequestInit {
  if (!policy?.blockPrivateNetworks) return init;
  return { ...init, dispatcher: dispatcherFor(policy) };
}
