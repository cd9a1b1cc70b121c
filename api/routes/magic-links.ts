import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import * as magicLinks from '../../services/connect/magic-links';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonBody, jsonResponse, security } from '../schemas/common';
import { createMagicLinkSchema } from '../../services/connect/inputs';
import { magicLinkIdParam, magicLinkSchema } from '../schemas/magic-links';
import { validationHook } from '../validation';

const tags = ['Magic Links'];

/** The public origin the caller reached us at (honouring a reverse proxy's X-Forwarded-Proto/Host). */
export function requestOrigin(c: Context): string {
  const url = new URL(c.req.url);
  const first = (h: string | undefined) => h?.split(',')[0]?.trim() || undefined;
  const proto = first(c.req.header('x-forwarded-proto'));
  const host = first(c.req.header('x-forwarded-host'));
  const scheme = proto === 'http' || proto === 'https' ? proto : url.protocol.slice(0, -1);
  const authority = host && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? host : url.host;
  return `${scheme}://${authority}`;
}

export function magicLinkRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/magic_links',
      tags,
      security,
      summary: 'List magic links',
      responses: { 200: jsonResponse(z.array(magicLinkSchema), 'Magic Links'), ...errorResponses },
    }),
    async (c) => c.json(await magicLinks.listMagicLinks(deps, c.get('applicationId'), requestOrigin(c)), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/magic_links',
      tags,
      security,
      summary: 'Create magic link',
      description: 'The customer and the provider must exist (404 otherwise).',
      request: jsonBody(createMagicLinkSchema),
      responses: { 201: jsonResponse(magicLinkSchema, 'Magic link created'), ...errorResponses },
    }),
    async (c) => c.json(await magicLinks.createMagicLink(deps, c.get('applicationId'), c.req.valid('json'), requestOrigin(c)), 201),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/magic_links/{magic_link_id}',
      tags,
      security,
      summary: 'Delete magic link',
      request: { params: magicLinkIdParam },
      responses: { 204: { description: 'Magic Link deleted' }, ...errorResponses },
    }),
    async (c) => {
      await magicLinks.deleteMagicLink(deps, c.get('applicationId'), c.req.valid('param').magic_link_id);
      return c.body(null, 204);
    },
  );

  return app;
}
