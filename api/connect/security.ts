/** Response headers of the hosted connect pages. */
import type { Context } from 'hono';
import { CONNECT_STYLE_HASH } from './views';

const originOf = (url: string) => {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
};

/**
 * No script, no frames, no referrer; styles only by hash. `formTargets`: where the page's forms may
 * end up besides 'self', redirects included (browsers check form-action on each redirect of a form
 * submission): the link's return_url, and for an OAuth start the provider's authorization URL.
 */
export function setConnectPageHeaders(c: Context, formTargets: Array<string | undefined> = []): void {
  const origins = [...new Set(formTargets.map((t) => (t ? originOf(t) : undefined)).filter((o): o is string => o !== undefined))];
  c.header(
    'Content-Security-Policy',
    `default-src 'none'; style-src ${CONNECT_STYLE_HASH}; form-action 'self'${origins.map((o) => ` ${o}`).join('')}; frame-ancestors 'none'; base-uri 'none'`,
  );
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('X-Frame-Options', 'DENY');
  // The form carries a CSRF token and the page a customer's name: never cached, by anyone.
  c.header('Cache-Control', 'no-store');
}
