import type { z } from 'zod';

/**
 * Postgres text and jsonb cannot hold U+0000: reject it at validation (400 with the field path)
 * instead of letting the write fail with a 500. Apply to whole request bodies.
 */
export function noNulChars(value: unknown, ctx: z.RefinementCtx): void {
  const walk = (v: unknown, path: Array<string | number>) => {
    if (typeof v === 'string') {
      if (v.includes('\u0000')) ctx.addIssue({ code: 'custom', path, message: 'must not contain NUL (\\u0000) characters' });
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => {
        walk(x, [...path, i]);
      });
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k.includes('\u0000')) ctx.addIssue({ code: 'custom', path, message: 'keys must not contain NUL (\\u0000) characters' });
        walk(x, [...path, k]);
      }
    }
  };
  walk(value, []);
}
