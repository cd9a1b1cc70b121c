/**
 * Error messages end up in sync run records and logs, so every string derived
 * from a request or response passes through here first.
 */
const MIN_SECRET_LENGTH = 4;

/** Replaces each secret (raw, URL-encoded and base64 forms) with "[REDACTED]". */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values (e.g. "1") would shred the message without protecting anything.
    if (secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')])) {
      out = out.split(form).join('[REDACTED]');
    }
  }
  return out;
}

/** "https://host/path" without the query string (which often carries API keys) or credentials. */
export function describeUrl(url: string | URL, secrets: readonly string[]): string {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return '[invalid URL]';
  }
  return redactSecrets(`${parsed.origin}${parsed.pathname}`, secrets);
}

export const BODY_EXCERPT_LIMIT = 500;

export function bodyExcerpt(body: string, secrets: readonly string[]): string {
  const collapsed = body.replace(/\s+/g, ' ').trim();
  // Redact before truncating so a secret cut in half at the boundary cannot leak.
  return redactSecrets(collapsed.slice(0, BODY_EXCERPT_LIMIT * 2), secrets).slice(0, BODY_EXCERPT_LIMIT);
}
