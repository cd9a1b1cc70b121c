/**
 * /contacts, /accounts, /leads, /opportunities: create, update, upsert (where the reference has it)
 * and get one record, written to and read live from the customer's provider through the common model.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { readRecordLive } from '../../services/writes/realtime';
import type { AppDeps, AuthedEnv } from '../deps';
import { connectionHeaders, errorResponses, jsonBody, jsonResponse, remoteProviderErrorResponse, security } from '../schemas/common';
import { commonRecordSchemas, createdSchema, createUpdateSchemas, type CrmCommonObject, includeRawDataQuery, updatedSchema, upsertOnEmailSchema, writeHeaders } from './schemas';
import { NOT_IMPLEMENTED, notImplemented, notImplementedResponse } from './not-implemented';
import { createInput, updateInput, upsertByEmailInput } from './write-input';
import { crmWrite } from './write-call';

interface CommonPath {
  object: CrmCommonObject;
  /** `contacts`: the collection's path segment. */
  path: string;
  tag: string;
  title: string;
  label: string;
  /** The reference's upsert key, if it has `_upsert` for this object. */
  upsert?: 'email' | 'account';
}

const COMMON_PATHS: CommonPath[] = [
  { object: 'contact', path: 'contacts', tag: 'Contacts', title: 'Contact', label: 'contact', upsert: 'email' },
  { object: 'account', path: 'accounts', tag: 'Accounts', title: 'Account', label: 'account', upsert: 'account' },
  { object: 'lead', path: 'leads', tag: 'Leads', title: 'Lead', label: 'lead', upsert: 'email' },
  { object: 'opportunity', path: 'opportunities', tag: 'Opportunities', title: 'Opportunity', label: 'opportunity' },
];

const responses = { ...errorResponses, ...remoteProviderErrorResponse, ...notImplementedResponse };

/** The record as the reference shows it: raw_data only when asked for. */
function shown(object: CrmCommonObject, view: Record<string, unknown>, includeRaw: boolean): Record<string, unknown> {
  const { raw_data, ...common } = view;
  return { ...(object === 'contact' ? { description: null } : {}), ...common, ...(includeRaw ? { raw_data } : {}) };
}

export function mountCommonObjects(app: OpenAPIHono<AuthedEnv>, deps: AppDeps): void {
  for (const p of COMMON_PATHS) {
    const target = { objectType: 'common' as const, object: p.object };
    const idParam = `${p.object}_id`;
    const params = z.object({ [idParam]: z.string().min(1) });
    const body = z.object({ record: createUpdateSchemas[p.object] });

    app.openapi(
      createRoute({
        method: 'post',
        path: `/${p.path}`,
        tags: [p.tag],
        security,
        summary: `Create ${p.label}`,
        description: `Creates the ${p.label} in the customer's provider (x-provider-name) and answers with the provider's id. A record the provider refuses is its own 4xx (409 for a duplicate) with its message.`,
        request: { headers: writeHeaders, ...jsonBody(body) },
        responses: { 201: jsonResponse(createdSchema, `${p.title} created`), ...responses },
      }),
      async (c) => {
        const headers = c.req.valid('header');
        const result = await crmWrite(deps, c, headers, createInput(target, c.req.valid('json').record));
        return c.json({ record: { id: result.id } }, 201);
      },
    );

    app.openapi(
      createRoute({
        method: 'patch',
        path: `/${p.path}/{${idParam}}`,
        tags: [p.tag],
        security,
        summary: `Update ${p.label}`,
        description: `Updates the fields given (the others are left as they are). An id the provider does not have is a 404.`,
        request: { params, headers: writeHeaders, ...jsonBody(body) },
        responses: { 200: jsonResponse(updatedSchema, `${p.title} updated`), ...responses },
      }),
      async (c) => {
        const headers = c.req.valid('header');
        const id = c.req.valid('param')[idParam]!;
        await crmWrite(deps, c, headers, updateInput(target, id, c.req.valid('json').record));
        return c.json({ warnings: [] }, 200);
      },
    );

    if (p.upsert === 'email') {
      app.openapi(
        createRoute({
          method: 'post',
          path: `/${p.path}/_upsert`,
          tags: [p.tag],
          security,
          summary: `Upsert ${p.label}`,
          description:
            `Updates the ${p.label} whose email is \`upsert_on.values[0]\`, or creates it with that email. Exactly one value: the providers match on the email the record is written with, ` +
            'so several values (a logical OR) answer 501, as does a record whose primary email is not that value; a record without email_addresses is written with it as its primary email. ' +
            `Two ${p.path} of the provider with that email are a 409.`,
          request: { headers: writeHeaders, ...jsonBody(body.extend({ upsert_on: upsertOnEmailSchema })) },
          responses: { 201: jsonResponse(createdSchema, `${p.title} upserted`), ...responses },
        }),
        async (c) => {
          const headers = c.req.valid('header');
          const { record, upsert_on } = c.req.valid('json');
          const result = await crmWrite(deps, c, headers, upsertByEmailInput(target, record, upsert_on.values));
          return c.json({ record: { id: result.id } }, 201);
        },
      );
    } else if (p.upsert === 'account') {
      app.openapi(
        createRoute({
          method: 'post',
          path: `/${p.path}/_upsert`,
          tags: [p.tag],
          security,
          summary: `Upsert ${p.label}`,
          description: `${NOT_IMPLEMENTED} No provider matches a common account on domain or website (HubSpot's domain is no common account field; Salesforce upserts accounts on external id fields only).`,
          responses: notImplementedResponse,
        }),
        () => {
          throw notImplemented("Upserting accounts is not implemented: no provider can match a common account on domain or website; create it, or update it by the provider's id");
        },
      );
    }

    app.openapi(
      createRoute({
        method: 'get',
        path: `/${p.path}/{${idParam}}`,
        tags: [p.tag],
        security,
        summary: `Get ${p.label}`,
        description: `Reads the ${p.label} live from the customer's provider (not from a synced copy), in the common model.`,
        request: { params, headers: connectionHeaders, query: includeRawDataQuery },
        responses: { 200: jsonResponse(commonRecordSchemas[p.object], p.title), ...responses },
      }),
      async (c) => {
        const headers = c.req.valid('header');
        const view = await readRecordLive(deps, c.get('applicationId'), headers['x-customer-id'], headers['x-provider-name'], {
          ...target,
          id: c.req.valid('param')[idParam]!,
        });
        return c.json(shown(p.object, view, c.req.valid('query').include_raw_data === 'true') as never, 200);
      },
    );
  }
}
