import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../src/node/duration.js';

describe('formatDuration', () => {
  it('writes a duration as a person would, in the largest unit that keeps it exact', () => {
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(30_000)).toBe('30s');
    expect(formatDuration(300_000)).toBe('5m');
    expect(formatDuration(90_000)).toBe('90s');
  });

  it('reads back to the same milliseconds (1125 ms was printed 1.13s, read back as 1130)', () => {
    for (const ms of [0, 1, 999, 1000, 1001, 1125, 2345, 59_999, 60_000, 61_500, 3_600_000, 86_400_123]) {
      expect(parseDuration(formatDuration(ms)), `${ms} ms -> ${formatDuration(ms)}`).toBe(ms);
    }
  });
});
