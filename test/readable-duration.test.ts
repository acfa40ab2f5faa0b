// Durations in log lines: whole ms in fields, 'N ms' or 'N.N s' in text.
import { describe, expect, it } from 'vitest';
import { readableDuration, wholeMs } from '../src/util/readable-duration.js';

describe('readable durations', () => {
  it('whole ms for fields; ms below 10 s and seconds with one decimal from 10 s in text', () => {
    expect(wholeMs(37_830.465576171875)).toBe(37_830);
    expect(wholeMs(0.5)).toBe(1);
    expect(readableDuration(0)).toBe('0 ms');
    expect(readableDuration(412.75)).toBe('413 ms');
    expect(readableDuration(9_999.4)).toBe('9999 ms');
    expect(readableDuration(10_000)).toBe('10.0 s');
    expect(readableDuration(37_830.465576171875)).toBe('37.8 s');
    expect(readableDuration(3_600_000)).toBe('3600.0 s');
  });
});
