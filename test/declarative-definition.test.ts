import { describe, expect, it } from 'vitest';
import { connectorDefinitionSchema, definitionIssues, parseConnectorDefinition, ConnectorDefinitionError } from '../providers/declarative/definition';
import { createDeclarativeConnection } from '../providers/declarative/connector';
import { ProviderError } from '../providers/errors';

// The example from the Connector Builder issue, verbatim.
const example = {
  id: 'acme-crm',
  name: 'Acme CRM',
  domain: 'acme.example',
  category: 'no_category',
  base_url: 'https://{config.subdomain}.acme.example/api/v1',
  auth: { type: 'api_key', location: 'header', name: 'x-api-key', value: '{config.api_key}' },
  parameters: [
    { name: 'subdomain', label: 'Subdomain', required: true },
    { name: 'api_key', label: 'API key', required: true, secret: true },
  ],
  streams: [
    {
      id: 'contacts',
      name: 'Contacts',
      path: '/contacts',
      method: 'GET',
      primary_key: 'id',
      headers: {},
      query: { status: '{config.status}' },
      pagination: { type: 'offset', location: 'query', offset_param: 'offset', next_offset_selector: '$.next_offset', limit_param: 'limit', limit: 100 },
      incremental: { replication_key: 'updated_at', location: 'query', param: 'updated_after', format: 'timestamp' },
      records_selector: '$.data',
      schema: { type: 'object', properties: { id: { type: 'string' } } },
      child_context: { contact_id: '{record.id}' },
    },
    {
      id: 'notes',
      name: 'Notes',
      parent_stream: 'contacts',
      path: '/contacts/{parent.contact_id}/notes',
      primary_key: 'id',
      pagination: { type: 'page_increment', location: 'query', param: 'page', start_from: 1 },
      records_selector: '$.items',
    },
  ],
};

type Mutable = Record<string, any>;
function issuesFor(mutate: (d: Mutable) => void) {
  const def = structuredClone(example) as Mutable;
  mutate(def);
  const r = connectorDefinitionSchema.safeParse(def);
  return r.success ? [] : definitionIssues(r.error);
}

describe('connectorDefinitionSchema', () => {
  it('accepts the documented example and applies defaults', () => {
    const def = parseConnectorDefinition(example);
    expect(def.streams[1]!.method).toBe('GET');
    expect(def.streams[1]!.headers).toEqual({});
    expect(def.parameters[0]!.secret).toBe(false);
    expect(parseConnectorDefinition({ ...example, category: undefined }).category).toBe('no_category');
    expect(parseConnectorDefinition({ id: 'x', name: 'X', base_url: 'https://x.example', streams: [{ id: 's', path: '/s' }] })).toMatchObject({
      auth: { type: 'none' },
      streams: [{ pagination: { type: 'none' }, records_selector: '$', query: {} }],
    });
  });

  it.each<[string, (d: Mutable) => void, string, RegExp]>([
    ['bad id', (d) => (d.id = 'Acme_CRM'), 'id', /lowercase/],
    ['bad category', (d) => (d.category = 'erp'), 'category', /crm|engagement|no_category/],
    ['unknown auth type', (d) => (d.auth = { type: 'oauth' }), 'auth.type', /api_key, basic, bearer, none/],
    ['api_key without name', (d) => delete d.auth.name, 'auth.name', /./],
    ['api_key bad location', (d) => (d.auth.location = 'cookie'), 'auth.location', /header|query/],
    ['unknown pagination type', (d) => (d.streams[0].pagination = { type: 'pages' }), 'streams.0.pagination.type', /page_increment/],
    ['misspelt key', (d) => (d.streams[1].paginaton = {}), 'streams.1', /Unrecognized key: "paginaton"/],
    ['bad JSONPath', (d) => (d.streams[0].records_selector = '$..data'), 'streams.0.records_selector', /unsupported JSONPath/],
    ['bad date format', (d) => (d.streams[0].incremental.format = '%Y-%j'), 'streams.0.incremental.format', /%j/],
    ['unknown date keyword', (d) => (d.streams[0].incremental.format = 'unix'), 'streams.0.incremental.format', /timestamp, timestamp_ms, iso8601/],
    ['path without slash', (d) => (d.streams[0].path = 'contacts'), 'streams.0.path', /start with "\/"/],
    ['no streams', (d) => (d.streams = []), 'streams', /at least one stream/],
    ['duplicate stream ids', (d) => (d.streams[1].id = 'contacts'), 'streams.1.id', /duplicate stream id "contacts"/],
    ['unknown parent', (d) => (d.streams[1].parent_stream = 'companies'), 'streams.1.parent_stream', /unknown parent stream "companies"/],
    ['self parent', (d) => (d.streams[1].parent_stream = 'notes'), 'streams.1.parent_stream', /its own parent/],
    ['undeclared parameter in base_url', (d) => (d.base_url = 'https://{config.region}.acme.example'), 'base_url', /undeclared parameter "region"/],
    ['undeclared parameter in path', (d) => (d.streams[0].path = '/{config.tenant}/contacts'), 'streams.0.path', /undeclared parameter "tenant"/],
    ['undeclared parameter in auth', (d) => (d.auth.value = '{config.key}'), 'auth.value', /undeclared parameter "key"/],
    ['bare variable', (d) => (d.streams[1].path = '/contacts/{contact_id}/notes'), 'streams.1.path', /use \{config.contact_id\}, \{parent.contact_id\}/],
    ['unknown namespace', (d) => (d.streams[0].path = '/{env.x}'), 'streams.0.path', /namespace "env"/],
    ['parent var without parent', (d) => (d.streams[0].path = '/{parent.contact_id}'), 'streams.0.path', /not available here/],
    ['parent key not in context', (d) => (d.streams[1].path = '/contacts/{parent.company_id}/notes'), 'streams.1.path', /not in the parent stream's child_context/],
    ['record var outside child_context', (d) => (d.streams[0].query.x = '{record.id}'), 'streams.0.query.x', /not available here/],
    ['parent without child_context', (d) => delete d.streams[0].child_context, 'streams.1.parent_stream', /must define child_context/],
    ['body with GET', (d) => (d.streams[0].body = { a: 1 }), 'streams.0.body', /only sent with method POST/],
    ['base_url not a URL', (d) => (d.base_url = 'acme.example/api'), 'base_url', /absolute URL/],
    ['base_url with query', (d) => (d.base_url = 'https://{config.subdomain}.acme.example/api?x=1'), 'base_url', /query string/],
    ['duplicate parameter', (d) => d.parameters.push({ name: 'api_key' }), 'parameters.2.name', /duplicate parameter/],
    ['page_size_param without page_size', (d) => (d.streams[1].pagination.page_size_param = 'per_page'), 'streams.1.pagination.page_size', /page_size is required/],
  ])('%s -> error at %s', (_label, mutate, path, message) => {
    const issues = issuesFor(mutate);
    expect(
      issues.find((i) => i.path === path && message.test(i.message)),
      JSON.stringify(issues),
    ).toBeDefined();
  });

  it('detects parent cycles', () => {
    const issues = issuesFor((d) => {
      d.streams[0].parent_stream = 'notes';
      d.streams[1].child_context = { note_id: '{record.id}' };
      d.streams[0].path = '/notes/{parent.note_id}';
    });
    expect(issues).toContainEqual({ path: 'streams.0.parent_stream', message: 'parent_stream cycle: contacts -> notes -> contacts' });
  });

  it('treats an undeclared config variable in a query value as optional (the example uses {config.status})', () => {
    expect(issuesFor(() => {})).toEqual([]);
  });

  it('parseConnectorDefinition throws ConnectorDefinitionError with field issues', () => {
    const err = (() => {
      try {
        parseConnectorDefinition({ ...example, id: 'Bad' });
      } catch (e) {
        return e;
      }
    })() as ConnectorDefinitionError;
    expect(err).toBeInstanceOf(ConnectorDefinitionError);
    expect(err.issues[0]!.path).toBe('id');
  });

  it('createDeclarativeConnection reports an invalid definition as a configuration ProviderError', () => {
    const ctx = { applicationId: 'a', customerId: 'c', connectionId: 'x', providerName: 'acme', params: {} };
    expect(() => createDeclarativeConnection({ ...example, streams: [] }, ctx)).toThrow(ProviderError);
    try {
      createDeclarativeConnection({ ...example, streams: [] }, ctx);
    } catch (e) {
      expect((e as ProviderError).kind).toBe('configuration');
      expect((e as ProviderError).message).toContain('streams: define at least one stream');
    }
  });
});
