/**
 * The hosted OAuth2 connect routes, outside /mgmt/v2 and without an API key (the magic link id, or
 * the opted-in application id, is what starts a flow; the signed state is what finishes one):
 * GET /magic-link/{id}/oauth/start, GET /oauth/connect (Supaglue's), GET /oauth/callback.
 * Browsers get redirects or an HTML page, never the JSON error envelope.
 */
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError } from '../../lib/errors';
import { completeOAuth, OAUTH_CALLBACK_PATH, OAuthCallbackError, startHostedOAuth, startMagicLinkOAuth } from '../../services/connect/oauth';
import type { AppDeps } from '../deps';
import { toApiError } from '../errors';
import { setConnectPageHeaders } from './security';
import { renderMessage } from './views';

export function oauthConnectRoutes(deps: AppDeps) {
  const app = new Hono();

  const redirect = (c: Context, location: string, status: 302 | 303) => {
    // The callback URL carries the authorization code: neither cached nor sent on as a Referer.
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    return c.redirect(location, status);
  };

  const failurePage = async (c: Context, err: unknown) => {
    if (!(err instanceof DomainError)) throw err;
    const api = toApiError(err);
    setConnectPageHeaders(c);
    return c.html(
      await renderMessage({ title: err instanceof OAuthCallbackError ? 'This connection attempt is not valid' : api.title, message: err.message }),
      api.status as ContentfulStatusCode,
    );
  };

  app.get('/magic-link/:id/oauth/start', async (c) => {
    try {
      return redirect(c, await startMagicLinkOAuth(deps, c.req.param('id')), 302);
    } catch (err) {
      return failurePage(c, err);
    }
  });

  app.get('/oauth/connect', async (c) => {
    const q = c.req.query();
    try {
      const location = await startHostedOAuth(deps, {
        applicationId: q.applicationId ?? '',
        customerId: q.customerId ?? '',
        providerName: q.providerName ?? '',
        returnUrl: q.returnUrl ?? '',
        ...(q.scope ? { scope: q.scope } : {}),
      });
      return redirect(c, location, 302);
    } catch (err) {
      return failurePage(c, err);
    }
  });

  app.get(OAUTH_CALLBACK_PATH, async (c) => {
    try {
      return redirect(c, await completeOAuth(deps, new URL(c.req.url).searchParams), 303);
    } catch (err) {
      return failurePage(c, err);
    }
  });

  return app;
}
