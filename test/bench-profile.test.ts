import { describe, expect, it } from 'vitest';
import { formatProfile, profileWork, summarizeProfiles, type CpuProfile } from '../src/bench/profile.js';

// A function that does nothing but burn CPU in its own frame: the profile must name it.
function spinInNamedBusyFunction(): number {
  let x = 0;
  for (let i = 0; i < 200_000; i++) x = (x * 31 + i) | 0;
  return x;
}

// The work a profile is asked for, as busy as the preparation around it.
function spinInProfiledWork(): number {
  let x = 1;
  for (let i = 0; i < 200_000; i++) x = (x * 17 + i) | 0;
  return x;
}

function cheapHelper(): number {
  return 1;
}

describe('bench profile', () => {
  it('names the function that spends the time, with its file and line, and its share', async () => {
    let sink = 0;
    const summary = await profileWork({ fn: () => { sink += spinInNamedBusyFunction() + cheapHelper(); } }, { ms: 200 });
    expect(sink).not.toBe(0.5);
    expect(summary.samples).toBeGreaterThan(20);
    expect(summary.top[0]!.function).toBe('spinInNamedBusyFunction');
    expect(summary.top[0]!.at).toMatch(/bench-profile\.test\.ts:\d+$/);
    expect(summary.top[0]!.share).toBeGreaterThan(0.5);
    expect(summary.top.length).toBeLessThanOrEqual(3);
    expect(formatProfile(summary)).toMatch(/^spinInNamedBusyFunction \d+ % \(.*bench-profile\.test\.ts:\d+\)/);
  });

  it('leaves the preparation out of the profile', async () => {
    let passes = 0;
    let sink = 0;
    // The profiled work is real too: a window holding a handful of samples, a sample's stamp can
    // land a moment after its stack was taken, so a window's edge may carry a sample of the
    // preparation before it (seen under CI load with a window of a few microseconds).
    const summary = await profileWork({ beforeEach: () => spinInNamedBusyFunction(), fn: () => { passes++; sink += spinInProfiledWork(); } }, { ms: 100 });
    expect(passes).toBeGreaterThan(0);
    expect(sink).not.toBe(0.5);
    expect(summary.top[0]!.function).toBe('spinInProfiledWork');
    const prep = summary.top.find((e) => e.function === 'spinInNamedBusyFunction');
    expect(prep?.share ?? 0).toBeLessThan(0.25);
  });

  it('sums self time per function over call sites and profiles, leaves idle out and counts GC apart', () => {
    const frame = (functionName: string, lineNumber = 0) => ({ functionName, url: 'file:///w/src/a.js', lineNumber });
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)') },
        { id: 2, callFrame: frame('hot', 9) },
        { id: 3, callFrame: frame('hot', 9) },
        { id: 4, callFrame: frame('cold', 20) },
        { id: 5, callFrame: frame('(idle)') },
        { id: 6, callFrame: frame('(garbage collector)') },
        { id: 7, callFrame: frame('(program)') },
      ],
      samples: [2, 3, 2, 4, 5, 5, 5, 5, 6, 7],
      startTime: 0,
      endTime: 5000,
    };
    // A sample inside the profiler's own stop call (node:inspector's post, then native dispatch) is no one's.
    const stopping: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2] },
        { id: 2, callFrame: { functionName: 'post', url: 'node:inspector', lineNumber: 110 }, children: [3] },
        { id: 3, callFrame: { functionName: 'dispatch', url: '', lineNumber: -1 } },
      ],
      samples: [3, 3, 2],
      startTime: 0,
      endTime: 0,
    };
    const s = summarizeProfiles([profile, stopping, profile], { cwd: '/w' });
    expect(s.top).toEqual([
      { function: 'hot', at: 'src/a.js:10', share: 0.5 },
      { function: 'cold', at: 'src/a.js:21', share: 1 / 6 },
    ]);
    expect(s.gc).toBeCloseTo(1 / 6);
    expect(s).toMatchObject({ samples: 20, ms: 10 });
    expect(formatProfile(s)).toBe('hot 50 % (src/a.js:10), cold 17 % (src/a.js:21); GC 17 %');
  });

  it('counts only the samples inside the profiled windows, and their time', () => {
    const frame = (functionName: string) => ({ functionName, url: 'file:///w/src/a.js', lineNumber: 0 });
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 3] },
        { id: 2, callFrame: frame('fill') },
        { id: 3, callFrame: frame('reap') },
      ],
      // Samples at 1100, 1200, ..., 1600 us: fill, fill, reap, reap, fill, reap.
      samples: [2, 2, 3, 3, 2, 3],
      timeDeltas: [100, 100, 100, 100, 100, 100],
      startTime: 1000,
      endTime: 1700,
    };
    const s = summarizeProfiles([profile], { cwd: '/w', windows: [[1250, 1400], [1550, 1650]] });
    expect(s.top).toEqual([{ function: 'reap', at: 'src/a.js:1', share: 1 }]);
    expect(s).toMatchObject({ samples: 3, ms: 0.25 });
  });
});
