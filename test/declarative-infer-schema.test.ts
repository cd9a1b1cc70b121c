import { describe, expect, it } from 'vitest';
import { inferSchema } from '../providers/declarative/infer-schema';

describe('inferSchema', () => {
  it('merges types across samples and marks missing or null fields nullable', () => {
    const schema = inferSchema([
      { id: 'a1', count: 1, price: 2, active: true, note: null, started_at: '2024-01-02T03:04:05Z', day: '2024-01-02', mixed: 'x' },
      { id: 'a2', count: 2, price: 2.5, active: false, note: 'hi', started_at: '2024-02-03T04:05:06.789+02:00', day: '2024-02-03', mixed: 3, extra: 'only here' },
    ]);
    expect(schema).toEqual({
      type: 'object',
      properties: {
        id: { type: 'string' },
        count: { type: 'integer' },
        price: { type: 'number' },
        active: { type: 'boolean' },
        note: { type: ['string', 'null'] },
        started_at: { type: 'string', format: 'date-time' },
        day: { type: 'string', format: 'date' },
        mixed: { type: ['string', 'integer'] },
        extra: { type: ['string', 'null'] },
      },
    });
  });

  it('handles nested objects and arrays, including objects missing in some samples', () => {
    const schema = inferSchema([
      { owner: { id: 1, email: 'a@x' }, tags: ['a', 'b'], lines: [{ sku: 'x', qty: 1 }, { sku: 'y' }] },
      { owner: null, tags: [], lines: [] },
      { owner: { id: 2 }, tags: ['c', null], lines: [{ sku: 'z', qty: 2.5 }] },
    ]);
    expect(schema).toEqual({
      type: 'object',
      properties: {
        owner: { type: ['object', 'null'], properties: { id: { type: 'integer' }, email: { type: ['string', 'null'] } } },
        tags: { type: 'array', items: { type: ['string', 'null'] } },
        lines: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' }, qty: { type: ['number', 'null'] } } } },
      },
    });
  });

  it('uses anyOf when objects or arrays mix with scalars; empty arrays have open items', () => {
    const schema = inferSchema([{ v: { a: 1 }, e: [] }, { v: 'text' }, { v: null, e: [] }]);
    expect(schema.properties!.v).toEqual({ anyOf: [{ type: 'object', properties: { a: { type: 'integer' } } }, { type: 'string' }, { type: 'null' }] });
    expect(schema.properties!.e).toEqual({ type: ['array', 'null'], items: {} });
  });

  it('does not call non-timestamps date-time', () => {
    const schema = inferSchema([{ t: '2024-01-02T03:04:05Z' }, { t: 'yesterday' }]);
    expect(schema.properties!.t).toEqual({ type: 'string' });
  });

  it('fields that are only ever null are typed null', () => {
    expect(inferSchema([{ x: null }]).properties!.x).toEqual({ type: 'null' });
  });

  it('rejects input that is not a list of objects', () => {
    expect(inferSchema([])).toEqual({ type: 'object', properties: {} });
    expect(() => inferSchema([1])).toThrow('sample record 0 is not a JSON object');
    expect(() => inferSchema({} as unknown as unknown[])).toThrow('expects an array');
  });
});
