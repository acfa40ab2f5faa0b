import { Bench } from 'tinybench';
import { summarize, type Summary } from './stats.js';

/** One contender in a side-by-side timing: `fn` does `work` units (operations or peers). */
export interface TimedTask {
  readonly name: string;
  readonly fn: () => unknown;
  /** Units of work one call of `fn` does; the figures are per unit. */
  readonly work: number;
  /** Runs before each timed call, outside the timing (e.g. re-creating stale peers). */
  readonly beforeEach?: () => unknown;
}

export interface TimingOptions {
  /** Time budget per task and round, ms. */
  readonly timeMs: number;
  readonly warmupMs: number;
  /** Minimum samples per task and round. */
  readonly minSamples: number;
  /**
   * Rounds: each runs every task once, in a rotated order, and the samples of all rounds are
   * pooled, so no contender always runs first (or last) on a machine whose speed drifts.
   */
  readonly rounds: number;
}

/**
 * Times the tasks side by side in this process with tinybench (warm-up, then samples), over
 * several rounds, and returns per task the median time per unit of work in nanoseconds and the
 * spread of the samples.
 */
export async function timeSideBySide(tasks: readonly TimedTask[], options: TimingOptions): Promise<Map<string, Summary>> {
  const samples = new Map<string, number[]>(tasks.map((t) => [t.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    const bench = new Bench({
      time: options.timeMs,
      warmupTime: options.warmupMs,
      iterations: options.minSamples,
      warmupIterations: Math.max(2, options.minSamples >> 2),
      retainSamples: true,
      throws: true,
    });
    const order = tasks.map((_, i) => tasks[(i + round) % tasks.length]!);
    for (const task of order) {
      const before = task.beforeEach;
      // tinybench awaits the hook, outside the timed window.
      bench.add(task.name, task.fn, before ? { beforeEach: async () => void (await before()) } : {});
    }
    await bench.run();
    for (const task of order) {
      const result = bench.getTask(task.name)!.result;
      if (result.state !== 'completed') {
        const why = result.state === 'errored' ? result.error.message : result.state;
        throw new Error(`benchmark task ${task.name} did not complete: ${why}`);
      }
      const perUnit = (result.latency.samples ?? []).map((ms) => (ms * 1e6) / task.work);
      samples.get(task.name)!.push(...perUnit);
    }
  }
  return new Map([...samples].map(([name, values]) => [name, summarize(values)]));
}
