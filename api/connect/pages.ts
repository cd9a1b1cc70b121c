/**
 * The hosted connect page at the URL POST /magic_links hands out: `GET /magic-link/{id}` shows the
 * form (or the OAuth button), `POST /magic-link/{id}` connects. Outside /mgmt/v2 and without an API
 * key: the link id is the capability. HTML only, including every refusal.
 */
import { Hono, type Context } from 'hono';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { NotFoundError } from '../../lib/errors';
import { connectTargetFor, submitConnectForm, type ConnectField, type ConnectTarget } from '../../services/connect/connect-form';
import { getMagicLinkForPage, magicLinkCsrfToken, takeMagicLinkAttempt, verifyMagicLinkCsrfToken, type MagicLinkForPage } from '../../services/connect/magic-links';
import type { AppDeps } from '../deps';
import { requestOrigin } from '../routes/magic-links';
import { setConnectPageHeaders } from './security';
import { renderConnectForm, renderLinkClosed, renderMessage, renderOAuthStart, type ConnectPageContext, type FormField } from './views';

export interface ConnectPageOptions {
  /**
   * For OAuth providers: the authorization URL the start route redirects to (only its origin is
   * used), so the page's form-action lets the button's redirect through. Undefined: 'self' only.
   */
  oauthAuthorizationUrl?: (link: MagicLinkForPage) => Promise<string | undefined>;
}

const pageContext = (link: MagicLinkForPage, target: ConnectTarget): ConnectPageContext => ({
  applicationName: link.applicationName,
  providerLabel: target.providerLabel,
  customerName: link.customerName,
  customerId: link.externalCustomerId,
  returnUrl: link.returnUrl,
});

const formFields = (fields: ConnectField[], submitted?: Record<string, string>): FormField[] =>
  fields.map((f) => {
    const value = f.secret ? undefined : (submitted?.[f.name] ?? f.defaultValue);
    return { name: f.name, label: f.label, required: f.required, secret: f.secret, ...(f.description ? { description: f.description } : {}), ...(value ? { value } : {}) };
  });

export function connectPageRoutes(deps: AppDeps, opts: ConnectPageOptions = {}) {
  const app = new Hono();
  // Hono's origin check (Origin, else Sec-Fetch-Site), against the origin the customer reached us at (a proxy's, too).
  const originCheck = csrf({ origin: (origin, c) => origin === requestOrigin(c) });

  const send = async (c: Context, status: ContentfulStatusCode, page: ReturnType<typeof renderMessage>, formTargets: Array<string | undefined> = []) => {
    setConnectPageHeaders(c, formTargets);
    return c.html(await page, status);
  };

  /** The link, or the page saying why there is nothing to do (unknown: 404; consumed or expired: 410). */
  const openLink = async (c: Context): Promise<{ link: MagicLinkForPage; target: ConnectTarget } | Response> => {
    let link: MagicLinkForPage;
    try {
      link = await getMagicLinkForPage(deps, c.req.param('id') ?? '');
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      return send(c, 404, renderMessage({ title: 'Link not found', message: 'This connection link does not exist. Check that you opened the whole link, or ask for a new one.' }));
    }
    const target = await connectTargetFor(deps, link);
    if (link.status !== 'new') return send(c, 410, renderLinkClosed({ ctx: pageContext(link, target), reason: link.status }), [link.returnUrl]);
    return { link, target };
  };

  const showForm = (
    c: Context,
    link: MagicLinkForPage,
    target: ConnectTarget,
    status: ContentfulStatusCode,
    extra: { submitted?: Record<string, string>; fieldErrors?: Record<string, string>; formError?: string } = {},
  ) => {
    if (target.method.kind !== 'form') throw new Error('not a form');
    const page = renderConnectForm({
      ctx: pageContext(link, target),
      action: `/magic-link/${link.id}`,
      csrfToken: magicLinkCsrfToken(deps, link.id),
      fields: formFields(target.method.fields, extra.submitted),
      ...(extra.fieldErrors ? { fieldErrors: extra.fieldErrors } : {}),
      ...(extra.formError ? { formError: extra.formError } : {}),
    });
    return send(c, status, page, [link.returnUrl]);
  };

  app.get('/magic-link/:id', async (c) => {
    const open = await openLink(c);
    if (open instanceof Response) return open;
    const { link, target } = open;
    if (target.method.kind === 'oauth2') {
      const page = renderOAuthStart({ ctx: pageContext(link, target), startUrl: `/magic-link/${link.id}/oauth/start` });
      return send(c, 200, page, [link.returnUrl, await opts.oauthAuthorizationUrl?.(link)]);
    }
    return showForm(c, link, target, 200);
  });

  app.post('/magic-link/:id', async (c) => {
    const open = await openLink(c);
    if (open instanceof Response) return open;
    const { link, target } = open;
    const ctx = pageContext(link, target);
    const refused = () =>
      send(c, 403, renderMessage({ title: 'Request refused', message: 'This form was not sent from this page, or it is out of date. Open the link again and resubmit.', ctx }), [
        link.returnUrl,
      ]);
    try {
      await originCheck(c, async () => {});
    } catch (err) {
      if (err instanceof HTTPException && err.status === 403) return refused();
      throw err;
    }
    const body = await c.req.parseBody();
    if (!verifyMagicLinkCsrfToken(deps, link.id, body.csrf_token)) return refused();
    if (!(await takeMagicLinkAttempt(deps, link.id))) {
      c.header('Retry-After', '600');
      return send(c, 429, renderMessage({ title: 'Too many attempts', message: 'This link was submitted too many times. Wait 10 minutes and try again.', ctx }), [link.returnUrl]);
    }
    const submitted: Record<string, string> = {};
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string' && k !== 'csrf_token') submitted[k] = v;

    const outcome = await submitConnectForm(deps, link, submitted);
    switch (outcome.kind) {
      case 'connected':
        return c.redirect(outcome.redirectUrl, 303);
      case 'invalid':
        return showForm(c, link, outcome.target, 422, { submitted, fieldErrors: outcome.fieldErrors, ...(outcome.formError ? { formError: outcome.formError } : {}) });
      case 'gone': {
        const now = await getMagicLinkForPage(deps, link.id);
        return send(c, 410, renderLinkClosed({ ctx, reason: now.status === 'expired' ? 'expired' : 'consumed' }), [link.returnUrl]);
      }
      case 'not_a_form':
        return send(c, 400, renderMessage({ title: `Connect ${target.providerLabel}`, message: `${target.providerLabel} is connected by signing in. Open the link again.`, ctx }), [
          link.returnUrl,
        ]);
    }
  });

  return app;
}
