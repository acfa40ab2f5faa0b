import { describe, expect, it } from 'vitest';
import { profileHeap, summarizeHeapProfile, type HeapProfileNode } from '../src/bench/heap-profile.js';

// Objects a named function allocates and something keeps alive: the heap profile must name it.
function allocateRetainedRecords(into: object[]): void {
  for (let i = 0; i < 20_000; i++) into.push({ id: i, name: `record-${i}`, tags: [i, i + 1, i + 2] });
}

function allocateGarbage(): number {
  let n = 0;
  for (let i = 0; i < 20_000; i++) n += [i, i + 1, i + 2].length;
  return n;
}

describe('bench heap profile', () => {
  it('names the function that allocated what stays alive, not what was collected', async () => {
    const kept: object[] = [];
    let released = false;
    const summary = await profileHeap(async () => {
      allocateGarbage();
      allocateRetainedRecords(kept);
      return async () => {
        released = true;
      };
    });
    expect(released).toBe(true);
    expect(kept.length).toBe(20_000);
    expect(summary.top[0]!.function).toBe('allocateRetainedRecords');
    expect(summary.top[0]!.at).toMatch(/bench-heap-profile\.test\.ts:\d+$/);
    expect(summary.top[0]!.share).toBeGreaterThan(0.5);
    // What the garbage left alive (V8's allocation-site bookkeeping for it, a few hundred bytes)
    // may still be sampled: a CI run listed it third. Its arrays, 20,000 of them, must not be.
    expect(summary.top.find((e) => e.function === 'allocateGarbage')?.share ?? 0).toBeLessThan(0.05);
    expect(summary.bytes).toBeGreaterThan(1_000_000);
  });

  it('sums live bytes per function over its call sites', () => {
    const frame = (functionName: string, lineNumber: number) => ({ functionName, url: 'file:///w/src/a.js', lineNumber });
    const head: HeapProfileNode = {
      callFrame: frame('(root)', -1),
      selfSize: 0,
      children: [
        { callFrame: frame('add', 4), selfSize: 600, children: [{ callFrame: frame('entry', 9), selfSize: 200 }] },
        { callFrame: frame('entry', 9), selfSize: 100 },
        { callFrame: frame('', 20), selfSize: 100 },
      ],
    };
    expect(summarizeHeapProfile(head, { cwd: '/w' })).toEqual({
      top: [
        { function: 'add', at: 'src/a.js:5', share: 0.6 },
        { function: 'entry', at: 'src/a.js:10', share: 0.3 },
        { function: '(anonymous)', at: 'src/a.js:21', share: 0.1 },
      ],
      bytes: 1000,
    });
  });
});
