/**
 * Our OpenAPI 3.1 document (generated from the same zod schemas the routes validate
 * with) and an interactive reference served from the swagger-ui-dist package, so it
 * works without a CDN.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { Hono } from 'hono';

const require = createRequire(import.meta.url);
const swaggerDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'application/javascript',
  'swagger-ui-standalone-preset.js': 'application/javascript',
};

export const OPENAPI_PATH = '/mgmt/v2/openapi.json';

/** Registered on the /mgmt/v2 sub-app, so paths read as in the Supaglue spec (`/customers`, ...). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function registerOpenApi(app: OpenAPIHono<any>, version: string): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'x-api-key', {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
    description: 'API key of your application',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Syncwell Management API',
      version,
      description: 'Compatible with the Supaglue Management API v2 (v0.25.7). Operations and fields marked `x-extension: true` are Syncwell extensions.',
    },
    servers: [{ url: '/mgmt/v2', description: 'this server' }],
  });
}

export function docsRoutes() {
  const app = new Hono();
  app.get('/docs', (c) =>
    c.html(`<!doctype html>
<html><head><meta charset="utf-8"><title>Syncwell API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '${OPENAPI_PATH}', dom_id: '#ui', persistAuthorization: true });</script>
</body></html>`),
  );
  app.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.notFound();
    return c.body(await readFile(path.join(swaggerDir, file)), 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
  return app;
}
