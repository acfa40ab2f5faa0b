import { describe, expect, it } from 'vitest';
import { RunCost } from '../src/bench/run-cost.js';

describe('bench run cost', () => {
  it('keeps the highest heap reading, the phase it was seen in, and the wall time', () => {
    let now = 1000;
    let heap = 10;
    const cost = new RunCost({ now: () => now, heapUsed: () => heap, everyMs: 60_000 });
    cost.phase('per-operation figures, 1000 peers');
    heap = 300;
    cost.sampleLive();
    cost.phase('memory per peer, 10000 peers');
    heap = 200;
    now = 4500;
    const run = cost.finish();
    expect(run).toMatchObject({ wallMs: 3500, peakHeapBytes: 300, peakHeapPhase: 'per-operation figures, 1000 peers', peakLiveHeapBytes: 300 });
    expect(run.phases).toEqual([
      { name: 'per-operation figures, 1000 peers', ms: 0 },
      { name: 'memory per peer, 10000 peers', ms: 3500 },
    ]);
    expect(run.heapLimitBytes).toBeGreaterThan(0);
    expect(run.peakRssBytes).toBeGreaterThan(0);
  });
});
