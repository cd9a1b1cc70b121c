import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError, NotFoundError, RemoteError, UnprocessableError, type RemoteErrorKind } from './errors';

describe('what each domain error says about retries and pausing', () => {
  it('our own data and the caller input: final at once, never pausing; unprocessable configuration pauses', () => {
    for (const err of [new NotFoundError('Sync'), new ConflictError('duplicate'), new InvalidInputError('bad')]) {
      expect([err.name, err.retryable, err.pausesSync]).toEqual([err.constructor.name, false, false]);
    }
    expect(new UnprocessableError('entity not mapped')).toMatchObject({ retryable: false, pausesSync: true });
  });

  it('remote failures by kind; a source may declare a failure final', () => {
    const by = (kind: RemoteErrorKind, retryable?: boolean) => {
      const e = new RemoteError('destination', kind, kind, retryable === undefined ? {} : { retryable });
      return [e.retryable, e.pausesSync];
    };
    expect(by('authentication')).toEqual([false, true]);
    expect(by('permission')).toEqual([false, true]);
    expect(by('configuration')).toEqual([false, true]);
    expect(by('transient')).toEqual([true, false]);
    expect(by('unknown')).toEqual([true, false]);
    expect(by('data')).toEqual([false, false]);
    expect(by('unknown', false)).toEqual([false, false]);
    // Pausing wins: retrying a revoked credential only repeats the failure.
    expect(by('authentication', true)).toEqual([false, true]);
  });
});
