/** The incremental cursor's boundary bookkeeping: the greatest last-modified and the records at it. */
import { describe, expect, it } from 'vitest';
import type { DestinationRecord } from '../../destinations/types';
import type { SourceRecord } from '../../providers/types';
import { advanceBoundary, contentHash, toDestinationRecord } from './records';

const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m));
const rec = (id: string, modified: Date | null, v = 1): DestinationRecord => ({ id, lastModifiedAt: modified, isDeleted: false, emittedAt: at(0), raw: { id, v }, mapped: {} });
const empty = { maxLastModified: null, maxRecords: {} };

describe('advanceBoundary', () => {
  it('keeps the greatest last-modified and only the records at it', () => {
    const out = advanceBoundary(empty, [rec('a', at(1)), rec('b', at(3)), rec('c', at(2)), rec('d', at(3)), rec('e', null)]);
    expect(out.maxLastModified).toBe(at(3).toISOString());
    expect(Object.keys(out.maxRecords!).sort()).toEqual(['b', 'd']);
  });

  it('adds to the records of an unchanged boundary, changes hashes with content, and ignores older batches', () => {
    const first = advanceBoundary(empty, [rec('a', at(5))]);
    const same = advanceBoundary(first, [rec('b', at(5)), rec('z', at(4))]);
    expect(Object.keys(same.maxRecords!).sort()).toEqual(['a', 'b']);
    expect(first.maxRecords).toEqual({ a: first.maxRecords!.a }); // the committed progress is not mutated
    const changed = advanceBoundary(same, [rec('a', at(5), 2)]);
    expect(changed.maxRecords!.a).not.toBe(same.maxRecords!.a);
    expect(advanceBoundary(same, [rec('old', at(1))])).toEqual(same);
    const later = advanceBoundary(same, [rec('n', at(6))]);
    expect(later).toEqual({ maxLastModified: at(6).toISOString(), maxRecords: { n: expect.any(String) } });
  });

  it('gives up the list (null) past 1000 records at one timestamp, until a later timestamp', () => {
    const many = Array.from({ length: 1001 }, (_, i) => rec(`r${i}`, at(7)));
    const full = advanceBoundary(empty, many.slice(0, 1000));
    expect(Object.keys(full.maxRecords!)).toHaveLength(1000);
    expect(advanceBoundary(full, [rec('r0', at(7), 2)]).maxRecords).not.toBeNull(); // an update, not a new one
    const over = advanceBoundary(full, many.slice(1000));
    expect(over).toEqual({ maxLastModified: at(7).toISOString(), maxRecords: null });
    expect(advanceBoundary(over, [rec('x', at(7))]).maxRecords).toBeNull();
    expect(advanceBoundary(over, [rec('y', at(8))]).maxRecords).toEqual({ y: expect.any(String) });
  });

  it('leaves the boundary alone for records without a last-modified', () => {
    expect(advanceBoundary(empty, [rec('a', null), rec('b', new Date(Number.NaN))])).toEqual(empty);
  });
});

describe('toDestinationRecord', () => {
  const text = '{"id":"a","n":1,"nested":{"k":[1,2]}}';
  const source = () => ({ id: 'a', lastModifiedAt: at(1), isDeleted: false, raw: JSON.parse(text) as Record<string, unknown>, rawJson: text });

  it('as text (a destination that stores rawJson): keeps the text, and parses it again only when raw is asked for', () => {
    const rec = toDestinationRecord(source(), at(2), { name: 'n' }, true);
    expect(rec.rawJson).toBe(text);
    expect(rec.mapped).toEqual({ name: 1 });
    expect(rec.raw).toEqual(JSON.parse(text));
    expect(rec.raw).toBe(rec.raw); // parsed once
    expect(contentHash(rec.raw)).toBe(contentHash(source().raw));
  });

  it('keeps the parsed record when not as text, or when the source has no text', () => {
    const s = source();
    const rec = toDestinationRecord(s, at(2), null);
    expect(rec.raw).toBe(s.raw);
    expect(rec.rawJson).toBe(text);
    const { rawJson: _, ...withoutText } = source();
    const plain = toDestinationRecord(withoutText, at(2), null, true);
    expect(plain.raw).toBe(withoutText.raw);
    expect(plain.rawJson).toBeUndefined();
  });

  it("never reads a source record's raw object without a mapping (a scanned record parses it only then)", () => {
    const scanned = { id: 'a', lastModifiedAt: at(1), isDeleted: false, rawJson: text, reads: 0 };
    Object.defineProperty(scanned, 'raw', {
      get() {
        scanned.reads++;
        return JSON.parse(text) as Record<string, unknown>;
      },
    });
    const asText = toDestinationRecord(scanned as unknown as SourceRecord, at(2), null, true);
    const asObject = toDestinationRecord(scanned as unknown as SourceRecord, at(2), null, false);
    expect([asText.mapped, asObject.mapped, scanned.reads]).toEqual([{}, {}, 0]);
    expect(asObject.raw).toEqual(JSON.parse(text)); // read when the destination asks
    expect(scanned.reads).toBe(1);
  });
});
