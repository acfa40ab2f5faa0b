import { Session } from 'node:inspector/promises';
import { forceGc } from './memory.js';
import { where } from './profile.js';
import type { HeapProfileSummary, ProfileEntry } from './results.js';

/** The part of a V8 sampling heap profile (HeapProfiler.stopSampling's answer) the summary reads. */
export interface HeapProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  /** Bytes of the sampled allocations made in this frame that were still alive at the stop. */
  readonly selfSize: number;
  readonly children?: readonly HeapProfileNode[];
}

export interface HeapProfileOptions {
  /** Mean bytes between samples: 4 kB gives about 7,000 samples over a 10k-peer dual-mode pool. */
  readonly samplingIntervalBytes?: number;
  readonly top?: number;
  readonly cwd?: string;
}

/** Live bytes per allocating function (summed over its call sites), heaviest first, as shares of the live total. */
export function summarizeHeapProfile(head: HeapProfileNode, options: { top?: number; cwd?: string } = {}): HeapProfileSummary {
  const cwd = options.cwd ?? process.cwd();
  const perFunction = new Map<string, { function: string; at: string; bytes: number }>();
  let bytes = 0;
  const visit = (node: HeapProfileNode): void => {
    if (node.selfSize > 0) {
      bytes += node.selfSize;
      const at = where(node.callFrame.url, node.callFrame.lineNumber, cwd);
      const key = `${node.callFrame.functionName}@${at}`;
      const entry = perFunction.get(key) ?? { function: node.callFrame.functionName || '(anonymous)', at, bytes: 0 };
      entry.bytes += node.selfSize;
      perFunction.set(key, entry);
    }
    for (const child of node.children ?? []) visit(child);
  };
  visit(head);
  const top: ProfileEntry[] = [...perFunction.values()]
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, options.top ?? 3)
    .map((e) => ({ function: e.function, at: e.at, share: bytes === 0 ? 0 : e.bytes / bytes }));
  return { top, bytes };
}

/**
 * What the objects `build` leaves alive were allocated by: V8's sampling heap profiler, in this
 * process, around `build`; after a forced GC, the samples still alive are what `build` holds.
 * `build` returns a release (e.g. closing the pool), called once the profile is taken.
 */
export async function profileHeap(build: () => Promise<() => Promise<void>>, options: HeapProfileOptions = {}): Promise<HeapProfileSummary> {
  const session = new Session();
  session.connect();
  let release: (() => Promise<void>) | undefined;
  try {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: options.samplingIntervalBytes ?? 4096 });
    release = await build();
    forceGc();
    const { profile } = await session.post('HeapProfiler.stopSampling');
    await session.post('HeapProfiler.disable');
    return summarizeHeapProfile(profile.head as HeapProfileNode, options);
  } finally {
    session.disconnect();
    await release?.();
  }
}
