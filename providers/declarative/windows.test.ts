import { describe, expect, it } from 'vitest';
import { ceilToFormat, stepMs } from './windows';

describe('date window steps', () => {
  it('reads steps of fixed length only', () => {
    expect(stepMs('P1D')).toBe(86_400_000);
    expect(stepMs('PT6H')).toBe(21_600_000);
    expect(stepMs('P1DT12H30M')).toBe(86_400_000 + 12 * 3_600_000 + 30 * 60_000);
    expect(stepMs('P2W')).toBe(14 * 86_400_000);
    for (const bad of ['P1M', 'P1Y', 'P', 'PT', '1D', 'P0D', 'daily']) expect(stepMs(bad), bad).toBeNull();
  });

  it('rounds an upper bound up to what the format can write', () => {
    const at = new Date('2024-03-05T10:20:30.400Z');
    expect(ceilToFormat(at, 'iso8601')).toEqual(at);
    expect(ceilToFormat(at, 'timestamp').toISOString()).toBe('2024-03-05T10:20:31.000Z');
    expect(ceilToFormat(at, '%Y-%m-%d').toISOString()).toBe('2024-03-06T00:00:00.000Z');
    expect(ceilToFormat(at, '%Y-%m').toISOString()).toBe('2024-04-01T00:00:00.000Z');
    expect(ceilToFormat(new Date('2024-03-06T00:00:00.000Z'), '%Y-%m-%d').toISOString()).toBe('2024-03-06T00:00:00.000Z');
  });
});
