/**
 * /standard_objects/{object_name}/records and /custom_objects/{object_name}/records: create, update
 * and get one record of the provider's own objects, with the provider's own field names.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { readSourceRecordLive } from '../../services/writes/realtime';
import type { AppDeps, AuthedEnv } from '../deps';
import { connectionHeaders, errorResponses, jsonBody, jsonResponse, remoteProviderErrorResponse, security } from '../schemas/common';
import { notImplementedResponse } from './not-implemented';
import { createdSchema, objectRecordBodies, objectRecordSchemas, writeHeaders } from './schemas';
import { crmWrite } from './write-call';
import { createInput, updateInput } from './write-input';

const KINDS = [
  // The reference answers a standard record's update with 201 and a custom one's with 200.
  { objectType: 'standard', segment: 'standard_objects', tag: 'Standard Objects', title: 'Standard Object Record', nameKey: 'object_name', updated: 201 },
  { objectType: 'custom', segment: 'custom_objects', tag: 'Custom Objects', title: 'Custom Object Record', nameKey: 'custom_object_name', updated: 200 },
] as const;

const responses = { ...errorResponses, ...remoteProviderErrorResponse, ...notImplementedResponse };
const objectName = z.string().min(1).openapi({ description: "The provider's name of the object (Salesforce: Account, MyObject__c; HubSpot: companies, a custom object's name)." });
const recordId = z.string().min(1).openapi({ description: 'The ID of the record to retrieve or update' });

export function mountObjectRecords(app: OpenAPIHono<AuthedEnv>, deps: AppDeps): void {
  for (const k of KINDS) {
    const collection = `/${k.segment}/{object_name}/records`;
    const body = z.object({ record: objectRecordBodies[k.objectType] });

    app.openapi(
      createRoute({
        method: 'post',
        path: collection,
        tags: [k.tag],
        security,
        summary: `Create ${k.title.toLowerCase()}`,
        request: { params: z.object({ object_name: objectName }), headers: writeHeaders, ...jsonBody(body) },
        responses: { 201: jsonResponse(createdSchema, `${k.title} created`), ...responses },
      }),
      async (c) => {
        const target = { objectType: k.objectType, object: c.req.valid('param').object_name };
        const result = await crmWrite(deps, c, c.req.valid('header'), createInput(target, c.req.valid('json').record));
        return c.json({ record: { id: result.id } }, 201);
      },
    );

    app.openapi(
      createRoute({
        method: 'patch',
        path: `${collection}/{record_id}`,
        tags: [k.tag],
        security,
        summary: `Update ${k.title.toLowerCase()}`,
        request: { params: z.object({ object_name: objectName, record_id: recordId }), headers: writeHeaders, ...jsonBody(body) },
        responses: { [k.updated]: jsonResponse(createdSchema, `${k.title} updated`), ...responses },
      }),
      async (c) => {
        const { object_name, record_id } = c.req.valid('param');
        const result = await crmWrite(deps, c, c.req.valid('header'), updateInput({ objectType: k.objectType, object: object_name }, record_id, c.req.valid('json').record));
        // A status computed per kind leaves the route's response type unknown to the compiler.
        return c.json({ record: { id: result.id } }, k.updated) as never;
      },
    );

    app.openapi(
      createRoute({
        method: 'get',
        path: `${collection}/{record_id}`,
        tags: [k.tag],
        security,
        summary: `Get ${k.title.toLowerCase()}`,
        description: "Reads the record live from the customer's provider: `data` is the provider's record.",
        request: { params: z.object({ object_name: objectName, record_id: recordId }), headers: connectionHeaders },
        responses: { 200: jsonResponse(objectRecordSchemas[k.objectType], k.title), ...responses },
      }),
      async (c) => {
        const headers = c.req.valid('header');
        const { object_name, record_id } = c.req.valid('param');
        const r = await readSourceRecordLive(deps, c.get('applicationId'), headers['x-customer-id'], headers['x-provider-name'], {
          objectType: k.objectType,
          object: object_name,
          id: record_id,
        });
        return c.json({ id: r.id, [k.nameKey]: object_name, data: r.raw, is_deleted: r.isDeleted, last_modified_at: r.lastModifiedAt?.toISOString() ?? null } as never, 200);
      },
    );
  }
}
