import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonBody, jsonResponse, security } from '../schemas/common';
import { validationHook } from '../validation';

/** A row as the API shows it. */
interface NamedConfig {
  id: string;
  application_id: string;
  name: string;
  config: object;
}

/** The service functions behind one kind's routes (services/catalog/named-configs.ts). */
interface NamedConfigService<In> {
  list(deps: AppDeps, applicationId: string): Promise<NamedConfig[]>;
  create(deps: AppDeps, applicationId: string, input: In): Promise<NamedConfig>;
  get(deps: AppDeps, applicationId: string, id: string): Promise<NamedConfig>;
  update(deps: AppDeps, applicationId: string, id: string, input: In): Promise<NamedConfig>;
  delete(deps: AppDeps, applicationId: string, id: string): Promise<void>;
}

interface NamedConfigRoutesSpec<K extends string, In> {
  /** The collection's path and OpenAPI tag: '/entities', 'Entities'. */
  path: string;
  tag: string;
  /** One row and many in summaries and descriptions: 'Entity', 'Entities'. */
  one: string;
  many: string;
  /** The path parameter naming a row ('entity_id') and its schema. */
  idParam: K;
  params: z.ZodObject<Record<K, z.ZodString>>;
  body: z.ZodType<In>;
  row: z.ZodType<NamedConfig>;
  /** What refuses a delete (409). */
  deleteDescription: string;
  service: NamedConfigService<In>;
}

/** The deprecated CRUD routes of entities and schemas (application-scoped named configs). */
export function namedConfigRoutes<K extends string, In>(deps: AppDeps, spec: NamedConfigRoutesSpec<K, In>) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });
  const { service, one, many } = spec;
  const tags = [spec.tag];
  const itemPath = `${spec.path}/{${spec.idParam}}`;
  const base = { tags, security, deprecated: true } as const;
  // The path schema is generic here, so its key cannot be typed; it validated the request already.
  const id = (c: { req: { valid(target: 'param'): unknown } }) => (c.req.valid('param') as Record<K, string>)[spec.idParam];

  app.openapi(
    createRoute({ method: 'get', path: spec.path, ...base, summary: `List ${many.toLowerCase()}`, responses: { 200: jsonResponse(z.array(spec.row), many), ...errorResponses } }),
    async (c) => c.json(await service.list(deps, c.get('applicationId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: spec.path,
      ...base,
      summary: `Create ${one.toLowerCase()}`,
      request: jsonBody(spec.body),
      responses: { 201: jsonResponse(spec.row, `${one} created`), ...errorResponses },
    }),
    async (c) => c.json(await service.create(deps, c.get('applicationId'), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: itemPath,
      ...base,
      summary: `Get ${one.toLowerCase()}`,
      request: { params: spec.params },
      responses: { 200: jsonResponse(spec.row, one), ...errorResponses },
    }),
    async (c) => c.json(await service.get(deps, c.get('applicationId'), id(c)), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: itemPath,
      ...base,
      summary: `Update ${one.toLowerCase()}`,
      request: { params: spec.params, ...jsonBody(spec.body) },
      responses: { 200: jsonResponse(spec.row, one), ...errorResponses },
    }),
    async (c) => c.json(await service.update(deps, c.get('applicationId'), id(c), c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: itemPath,
      ...base,
      summary: `Delete ${one.toLowerCase()}`,
      description: spec.deleteDescription,
      request: { params: spec.params },
      responses: { 204: { description: `${one} deleted` }, ...errorResponses },
    }),
    async (c) => {
      await service.delete(deps, c.get('applicationId'), id(c));
      return c.body(null, 204);
    },
  );

  return app;
}
