import { Session } from 'node:inspector/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProfileEntry, ProfileSummary } from './results.js';

/** The part of a V8 CPU profile (Profiler.stop's answer) the summary reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly hitCount?: number;
    readonly children?: readonly number[];
  }[];
  readonly samples?: readonly number[];
  /** Microseconds from the previous sample (the first: from startTime), on the process's monotonic clock. */
  readonly timeDeltas?: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** Work to profile: `fn` is profiled, `beforeEach` (e.g. re-adding the peers a reaper pass removed) is not. */
export interface ProfiledWork {
  readonly fn: () => unknown;
  readonly beforeEach?: () => unknown;
}

export interface ProfileOptions {
  /** Profiled time to gather, ms (the time in `beforeEach` is not counted). */
  readonly ms: number;
  /** Functions to list. */
  readonly top?: number;
  /** Sampling interval, us: 100 gives about 4,000 samples in 400 ms. */
  readonly intervalUs?: number;
  /** Working directory the file names are made relative to. */
  readonly cwd?: string;
}

/**
 * The profiler's own frames: a sample taken inside Profiler.start/stop's message dispatch (about
 * one a profile) belongs to no operation, and with a profile per short call it would lead the list.
 */
function profilerOwn(profile: CpuProfile): Set<number> {
  const own = new Set<number>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const visit = (id: number, inside: boolean): void => {
    const node = byId.get(id);
    if (!node) return;
    const here = inside || node.callFrame.url.startsWith('node:inspector');
    if (here) own.add(id);
    for (const child of node.children ?? []) visit(child, here);
  };
  const children = new Set(profile.nodes.flatMap((node) => node.children ?? []));
  for (const node of profile.nodes) if (!children.has(node.id)) visit(node.id, false);
  return own;
}

/** This module, as the profile names it. */
const SELF_URL = import.meta.url;

/** Nodes that are no function of the program: left out of the list (GC is counted apart). */
const NOT_CODE = new Set(['(idle)', '(program)', '(root)', '(garbage collector)']);

/** "file:line" (1-based), relative to `cwd`; empty for native code. */
export function where(url: string, line: number, cwd: string): string {
  if (url === '') return '';
  let file = url;
  if (url.startsWith('file://')) {
    try {
      file = relative(cwd, fileURLToPath(url));
    } catch {
      file = url;
    }
  }
  return `${file}:${line + 1}`;
}

/**
 * Self time per function over one or more profiles, heaviest first: samples are counted per
 * call-tree node (a function called from several places has several), then summed per function.
 * Shares are of the non-idle samples, so (program) and GC are in the denominator; samples inside
 * the profiler's own calls are left out altogether.
 */
/** The samples of `profile` taken inside one of `windows` (sorted, [from, to] in the profile's microseconds). */
function samplesIn(profile: CpuProfile, windows: readonly (readonly [number, number])[]): Map<number, number> {
  const hits = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let at = profile.startTime;
  let w = 0;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    while (w < windows.length && windows[w]![1] < at) w++;
    if (w === windows.length) break;
    if (at >= windows[w]![0]) hits.set(samples[i]!, (hits.get(samples[i]!) ?? 0) + 1);
  }
  return hits;
}

export function summarizeProfiles(profiles: readonly CpuProfile[], options: { top?: number; cwd?: string; windows?: readonly (readonly [number, number])[] } = {}): ProfileSummary {
  const cwd = options.cwd ?? process.cwd();
  const perFunction = new Map<string, { function: string; at: string; hits: number }>();
  let busy = 0;
  let gc = 0;
  let samples = 0;
  let us = 0;
  for (const profile of profiles) {
    us += options.windows ? 0 : profile.endTime - profile.startTime;
    let hits = new Map<number, number>();
    if (options.windows) hits = samplesIn(profile, options.windows);
    else if (profile.samples) for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
    const own = profilerOwn(profile);
    for (const node of profile.nodes) {
      // The profiler's own calls, and this module's loop around the profiled calls (its self time
      // only: what it calls is the work), belong to no operation.
      if (own.has(node.id) || node.callFrame.url === SELF_URL) continue;
      const count = profile.samples ? (hits.get(node.id) ?? 0) : (node.hitCount ?? 0);
      if (count === 0) continue;
      samples += count;
      const name = node.callFrame.functionName;
      if (name === '(idle)') continue;
      busy += count;
      if (name === '(garbage collector)') gc += count;
      if (NOT_CODE.has(name)) continue;
      const at = where(node.callFrame.url, node.callFrame.lineNumber, cwd);
      const key = `${name}@${at}`;
      const entry = perFunction.get(key) ?? { function: name || '(anonymous)', at, hits: 0 };
      entry.hits += count;
      perFunction.set(key, entry);
    }
  }
  const top: ProfileEntry[] = [...perFunction.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, options.top ?? 3)
    .map((e) => ({ function: e.function, at: e.at, share: busy === 0 ? 0 : e.hits / busy }));
  if (options.windows) us = options.windows.reduce((sum, [from, to]) => sum + (to - from), 0);
  return { top, gc: busy === 0 ? 0 : gc / busy, ms: us / 1000, samples };
}

/** The process's monotonic clock in microseconds: the one V8's profile timestamps are on (Linux: CLOCK_MONOTONIC). */
const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * Profiles `work` in this process with the inspector's sampling profiler (no extra dependency,
 * no child process) until `options.ms` of calls were profiled, and summarizes the self time.
 * One profile around the whole loop (Profiler.start costs about 40 ms with a warm heap, too much
 * per call); each call of `fn` is a time window, and only the samples inside the windows count,
 * so `beforeEach` (e.g. re-adding the peers a reaper pass removed) is never in the figures.
 */
export async function profileWork(work: ProfiledWork, options: ProfileOptions): Promise<ProfileSummary> {
  const session = new Session();
  session.connect();
  const windows: [number, number][] = [];
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: options.intervalUs ?? 100 });
    await session.post('Profiler.start');
    let profiledUs = 0;
    do {
      if (work.beforeEach) await work.beforeEach();
      const from = monotonicUs();
      await work.fn();
      const to = monotonicUs();
      windows.push([from, to]);
      profiledUs += to - from;
    } while (profiledUs < options.ms * 1000);
    const { profile } = await session.post('Profiler.stop');
    await session.post('Profiler.disable');
    return summarizeProfiles([profile as CpuProfile], { ...options, windows });
  } finally {
    session.disconnect();
  }
}

const pct = (share: number): string => `${(100 * share).toFixed(0)} %`;

/** "busy 41 % (src/x.js:12), spin 20 % (src/x.js:30); GC 3 %" */
export function formatProfile(summary: ProfileSummary): string {
  const fns = summary.top.map((e) => `${e.function} ${pct(e.share)}${e.at ? ` (${e.at})` : ''}`);
  return `${fns.length > 0 ? fns.join(', ') : 'no function sampled'}; GC ${pct(summary.gc)}`;
}
