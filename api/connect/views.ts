/**
 * The hosted connect pages, server-rendered with Hono's `html` helper (every interpolated value is
 * escaped): one shared layout and one function per state. No script anywhere; the only style is
 * the inline sheet below, allowed by its hash in the Content-Security-Policy (CONNECT_STYLE_HASH).
 * The OAuth pages reuse renderLayout and renderOAuthStart: keep their signatures stable.
 */
import { createHash } from 'node:crypto';
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = `
:root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;background:#f3f4f6}
body{margin:0;padding:2rem 1rem;line-height:1.5}
main{max-width:28rem;margin:0 auto;background:#fff;border:1px solid #9ca3af;border-radius:.5rem;padding:1.5rem 1.75rem}
h1{font-size:1.375rem;margin:0 0 .25rem}
p{margin:.5rem 0}
.app{font-size:.875rem;color:#374151;margin:0 0 1rem;text-transform:uppercase;letter-spacing:.04em}
.who{background:#f3f4f6;border-radius:.375rem;padding:.5rem .75rem}
fieldset{border:0;padding:0;margin:1rem 0 0}
legend{font-weight:600;padding:0;margin-bottom:.5rem}
.field{margin:0 0 1rem}
label{display:block;font-weight:600}
.req{color:#9b1c1c}
.hint{display:block;font-size:.875rem;color:#374151}
input{box-sizing:border-box;width:100%;font:inherit;padding:.5rem .625rem;border:1px solid #4b5563;border-radius:.375rem;color:#111;background:#fff}
input[aria-invalid=true]{border:2px solid #9b1c1c}
.error{color:#9b1c1c;font-weight:600;font-size:.9375rem;margin:.25rem 0 0}
.alert{border:2px solid #9b1c1c;background:#fef2f2;color:#7f1d1d;border-radius:.375rem;padding:.625rem .75rem;margin:1rem 0;overflow-wrap:anywhere}
button{font:inherit;font-weight:600;background:#1d4ed8;color:#fff;border:0;border-radius:.375rem;padding:.625rem 1.25rem;cursor:pointer}
button:hover{background:#1e40af}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
a{color:#1d4ed8}
.foot{font-size:.875rem;color:#374151;margin-top:1.25rem}
`;

/** `'sha256-…'` of the inline style sheet, for the pages' `style-src`. */
export const CONNECT_STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** What every state shows of the link: who is connecting what, and for which application. */
export interface ConnectPageContext {
  applicationName: string;
  providerLabel: string;
  customerName: string;
  customerId: string;
  /** The link's return_url (absent for an unknown link). */
  returnUrl?: string;
}

/** The page skeleton. `title` is the h1 and the document title; `body` comes after the heading. */
export function renderLayout(o: { title: string; applicationName?: string; body: Html | Html[] }): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${o.title}</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<main>
${o.applicationName ? html`<p class="app">${o.applicationName}</p>` : ''}
<h1>${o.title}</h1>
${o.body}
</main>
</body>
</html>`;
}

const who = (ctx: ConnectPageContext) =>
  html`<p class="who">Connecting <strong>${ctx.providerLabel}</strong> for <strong>${ctx.customerName}</strong> (customer <code>${ctx.customerId}</code>) to <strong>${ctx.applicationName}</strong>.</p>`;

const backLink = (returnUrl: string | undefined, text = `Back to the application`) => (returnUrl ? html`<p class="foot"><a href="${returnUrl}">${text}</a></p>` : '');

export interface FormField {
  name: string;
  label: string;
  description?: string;
  required: boolean;
  secret: boolean;
  /** Non-secret fields only: what the customer typed, or the default. */
  value?: string;
}

function renderField(f: FormField, error: string | undefined): Html {
  const id = `f-${f.name}`;
  const describedBy = [f.description ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field">
<label for="${id}">${f.label}${f.required ? html` <span class="req" aria-hidden="true">*</span>` : ''}</label>
${f.description ? html`<span class="hint" id="${id}-hint">${f.description}</span>` : ''}
<input id="${id}" name="${f.name}" type="${f.secret ? 'password' : 'text'}"${f.required ? html` required aria-required="true"` : ''}${
    error ? html` aria-invalid="true"` : ''
  }${describedBy ? html` aria-describedby="${describedBy}"` : ''} autocomplete="${f.secret ? 'new-password' : 'off'}" spellcheck="false"${!f.secret && f.value ? html` value="${f.value}"` : ''}>
${error ? html`<p class="error" id="${id}-error">${error}</p>` : ''}
</div>`;
}

/** The credentials form. `formError`: the provider's refusal or another problem with the whole submission. */
export function renderConnectForm(o: {
  ctx: ConnectPageContext;
  action: string;
  csrfToken: string;
  fields: FormField[];
  fieldErrors?: Record<string, string>;
  formError?: string;
}): Html {
  const errors = o.fieldErrors ?? {};
  const hasFieldErrors = Object.keys(errors).length > 0;
  return renderLayout({
    title: `Connect ${o.ctx.providerLabel}`,
    applicationName: o.ctx.applicationName,
    body: html`${who(o.ctx)}
${o.formError ? html`<div class="alert" role="alert" id="form-error">${o.formError}</div>` : ''}
${hasFieldErrors ? html`<div class="alert" role="alert">Please correct the highlighted fields.</div>` : ''}
<form method="post" action="${o.action}" novalidate${o.formError ? html` aria-describedby="form-error"` : ''}>
<input type="hidden" name="csrf_token" value="${o.csrfToken}">
<fieldset>
<legend>Your ${o.ctx.providerLabel} credentials</legend>
${o.fields.some((f) => f.required) ? html`<p class="hint">Fields marked <span class="req">*</span> are required.</p>` : ''}
${o.fields.map((f) => renderField(f, errors[f.name]))}
</fieldset>
<button type="submit">Connect</button>
</form>
<p class="hint">Your credentials are checked with ${o.ctx.providerLabel} and stored encrypted.</p>
${backLink(o.ctx.returnUrl, 'Cancel and go back')}`,
  });
}

/** OAuth providers: a plain form (GET, works without JavaScript) to `startUrl`, which redirects to the provider. */
export function renderOAuthStart(o: { ctx: ConnectPageContext; startUrl: string }): Html {
  return renderLayout({
    title: `Connect ${o.ctx.providerLabel}`,
    applicationName: o.ctx.applicationName,
    body: html`${who(o.ctx)}
<p>You will sign in to ${o.ctx.providerLabel} and approve access, then come back here.</p>
<form method="get" action="${o.startUrl}">
<button type="submit">Connect ${o.ctx.providerLabel}</button>
</form>
${backLink(o.ctx.returnUrl, 'Cancel and go back')}`,
  });
}

/** A consumed or expired link: it can no longer connect anything. */
export function renderLinkClosed(o: { ctx: ConnectPageContext; reason: 'consumed' | 'expired' }): Html {
  const consumed = o.reason === 'consumed';
  return renderLayout({
    title: consumed ? 'This link was already used' : 'This link has expired',
    applicationName: o.ctx.applicationName,
    body: html`<p>${
      consumed
        ? html`${o.ctx.providerLabel} has already been connected for ${o.ctx.customerName} with this link. Nothing more to do here.`
        : html`This link to connect ${o.ctx.providerLabel} is no longer valid. Ask ${o.ctx.applicationName} for a new one.`
    }</p>
${backLink(o.ctx.returnUrl, `Back to ${o.ctx.applicationName}`)}`,
  });
}

/** Any other outcome worth a page of its own: an unknown link, a refused submission, too many attempts. */
export function renderMessage(o: { title: string; message: string; ctx?: ConnectPageContext }): Html {
  return renderLayout({
    title: o.title,
    ...(o.ctx ? { applicationName: o.ctx.applicationName } : {}),
    body: html`<p>${o.message}</p>
${backLink(o.ctx?.returnUrl, o.ctx ? `Back to ${o.ctx.applicationName}` : undefined)}`,
  });
}
