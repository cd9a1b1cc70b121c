/**
 * The API's mapping of domain errors (lib/errors.ts) to status codes and the reference's error
 * envelope, class by class (the API test files exercise the same mapping through real routes).
 */
import { describe, expect, it } from 'vitest';
import { toApiError } from '../api/errors';
import { ConflictError, InvalidInputError, NotFoundError, RemoteError, SchemaValidationError, UnprocessableError, type DomainError } from '../lib/errors';
import { ProviderError } from '../providers/errors';
import { PostgresDestinationError } from '../destinations/postgres/errors';
import { errorEnvelopeSchema, formatProblems, referenceValidator } from './helpers/reference-spec';

const validator = referenceValidator();
const envelope = errorEnvelopeSchema();

function mapped(err: DomainError) {
  const api = toApiError(err);
  const body = api.toBody();
  expect(validator.validate(envelope, body), formatProblems(validator.validate(envelope, body))).toEqual([]);
  return { status: api.status, item: body.errors[0]! };
}

describe('domain errors in the API', () => {
  it('NotFoundError: 404 titled after the resource', () => {
    const { status, item } = mapped(new NotFoundError('Connection', 'Connection c-1 not found'));
    expect(status).toBe(404);
    expect(item).toEqual({
      id: expect.any(String),
      problem_type: 'NOT_FOUND_ERROR',
      code: 'NOT_FOUND_ERROR',
      title: 'Connection not found',
      detail: 'Connection c-1 not found',
      status: '404',
      meta: { origin: 'supaglue' },
    });
    expect(mapped(new NotFoundError('Job')).item.detail).toBe('Job not found');
  });

  it('ConflictError: 409, its summary as the title when it has one', () => {
    const plain = mapped(new ConflictError('A schema named "x" already exists'));
    expect(plain.status).toBe(409);
    expect(plain.item).toMatchObject({ code: 'CONFLICT_ERROR', title: 'Conflict', detail: 'A schema named "x" already exists', status: '409', meta: { origin: 'supaglue' } });
    expect(mapped(new ConflictError('Sync s is paused', { summary: 'Sync is paused' })).item).toMatchObject({ code: 'CONFLICT_ERROR', title: 'Sync is paused' });
  });

  it('InvalidInputError: 400 BAD_REQUEST_ERROR, with meta.fields when it names fields', () => {
    const bare = mapped(new InvalidInputError('config is required when auth_type is oauth2'));
    expect(bare.status).toBe(400);
    expect(bare.item).toMatchObject({ code: 'BAD_REQUEST_ERROR', title: 'Bad request', detail: 'config is required when auth_type is oauth2', meta: { origin: 'supaglue' } });
    expect(Object.keys(bare.item.meta)).toEqual(['origin']);

    const fields = mapped(new InvalidInputError('url: not a valid URL', { issues: [{ path: 'url', message: 'not a valid URL', code: 'invalid_url' }] }));
    expect(fields.item).toMatchObject({
      code: 'BAD_REQUEST_ERROR',
      detail: 'url: not a valid URL',
      meta: { origin: 'supaglue', fields: [{ field: 'url', message: 'not a valid URL', code: 'invalid_url' }] },
    });
  });

  it('SchemaValidationError: 400 VALIDATION_ERROR in the shape of a body that fails its zod schema', () => {
    const err = new SchemaValidationError('json', [
      { path: 'config.url', message: '127.0.0.1 is a loopback address', code: 'private_address' },
      { path: '', message: 'expected an object', code: 'invalid_type' },
    ]);
    const { status, item } = mapped(err);
    expect(status).toBe(400);
    expect(item).toMatchObject({
      code: 'VALIDATION_ERROR',
      title: 'Invalid request',
      detail: 'json.config.url: 127.0.0.1 is a loopback address; json: expected an object',
      meta: {
        origin: 'supaglue',
        location: 'json',
        fields: [
          { field: 'config.url', message: '127.0.0.1 is a loopback address', code: 'private_address' },
          { field: '(root)', message: 'expected an object', code: 'invalid_type' },
        ],
      },
    });
    expect(
      mapped(new SchemaValidationError('json', [{ path: 'streams', message: 'Required', code: 'invalid_definition' }], { summary: 'Invalid connector definition' })).item.title,
    ).toBe('Invalid connector definition');
  });

  it('UnprocessableError: 422', () => {
    const { status, item } = mapped(new UnprocessableError('no writer for destination type snowflake yet'));
    expect(status).toBe(422);
    expect(item).toMatchObject({
      code: 'UNPROCESSABLE_ERROR',
      title: 'Unprocessable entity',
      detail: 'no writer for destination type snowflake yet',
      meta: { origin: 'supaglue' },
    });
  });

  it("a provider's RemoteError: the reference's 499 with origin remote-provider, its kind and cause", () => {
    const err = new ProviderError('authentication', 'GET /me returned HTTP 401', { status: 401, bodyExcerpt: '{"error":"token revoked"}' });
    const { status, item } = mapped(err);
    expect(status).toBe(499);
    expect(item).toMatchObject({
      code: 'REMOTE_PROVIDER_ERROR',
      title: 'Remote provider error',
      detail: 'GET /me returned HTTP 401',
      status: '499',
      meta: { origin: 'remote-provider', kind: 'authentication', cause: { code: 401, body: '{"error":"token revoked"}' } },
    });
    const unreachable = mapped(new RemoteError('provider', 'transient', 'cannot reach api.example.com')).item;
    expect(unreachable.meta).toEqual({ origin: 'remote-provider', kind: 'transient' });
  });

  it("a destination's RemoteError: 502, not blamed on the provider", () => {
    const { status, item } = mapped(new PostgresDestinationError('data', 'Postgres rejected a value', '23514'));
    expect(status).toBe(502);
    expect(item).toMatchObject({ code: 'DESTINATION_ERROR', detail: 'Postgres rejected a value', meta: { origin: 'supaglue', kind: 'data' } });
  });
});
