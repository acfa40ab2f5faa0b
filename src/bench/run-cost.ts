import { getHeapStatistics } from 'node:v8';
import { forceGc } from './memory.js';
import type { RunFigures } from './results.js';

export interface RunCostOptions {
  /** Milliseconds, monotonic. */
  readonly now?: () => number;
  /** V8 heap used, bytes. */
  readonly heapUsed?: () => number;
  /** How often the heap is sampled between the explicit samples, ms. */
  readonly everyMs?: number;
}

/** Flags that set V8's heap limit: with one, heap_size_limit is no longer Node's default. */
const HEAP_FLAGS = /--max-old-space-size|--max-semi-space-size|--max-heap-size/;

/**
 * What a whole bench run costs: its wall time, and the peak of V8's heap used, sampled on an
 * unref'd timer (every 100 ms: a heap-statistics read costs a few microseconds, so well under
 * 0.01 % of a timed sample) and at each phase's end, where the pools of a size are all full.
 * V8's heap, not RSS, is what the default limit bounds; the kernel's peak RSS is reported beside.
 * Heap used counts garbage not yet collected (V8 lets the old generation grow toward a large limit
 * before a full GC), so the live peak, read after a forced GC where a phase holds the most, is
 * reported too: the part of the peak the process could not give back.
 */
export class RunCost {
  readonly #now: () => number;
  readonly #heapUsed: () => number;
  readonly #started: number;
  readonly #timer: NodeJS.Timeout;
  #peak = 0;
  #peakLive = 0;
  #phase = 'start';
  #peakPhase = 'start';
  #phaseStarted: number;
  readonly #phases: { name: string; ms: number }[] = [];

  constructor(options: RunCostOptions = {}) {
    this.#now = options.now ?? (() => performance.now());
    this.#heapUsed = options.heapUsed ?? (() => getHeapStatistics().used_heap_size);
    this.#started = this.#now();
    this.#phaseStarted = this.#started;
    this.#timer = setInterval(() => this.sample(), options.everyMs ?? 100);
    this.#timer.unref();
    this.sample();
  }

  /** Names what the run does from now on: the peak is reported with the phase it was seen in. */
  phase(name: string): void {
    this.sample();
    this.#endPhase();
    this.#phase = name;
  }

  #endPhase(): void {
    const now = this.#now();
    if (this.#phase !== 'start' || now > this.#phaseStarted) this.#phases.push({ name: this.#phase, ms: now - this.#phaseStarted });
    this.#phaseStarted = now;
  }

  /** Takes a heap reading now (call where the heap is likely at its fullest). */
  sample(): void {
    const used = this.#heapUsed();
    if (used > this.#peak) {
      this.#peak = used;
      this.#peakPhase = this.#phase;
    }
  }

  /**
   * Takes a heap reading after a full GC: what the run holds at this point, garbage aside. Call
   * where everything of a phase is alive (the pools of a size, full), outside any timing.
   */
  sampleLive(): void {
    this.sample();
    forceGc();
    this.#peakLive = Math.max(this.#peakLive, this.#heapUsed());
  }

  /** Stops sampling and returns the run's figures. */
  finish(): RunFigures {
    this.sample();
    this.#endPhase();
    clearInterval(this.#timer);
    const flag = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)].find((a) => HEAP_FLAGS.test(a));
    return {
      wallMs: this.#now() - this.#started,
      phases: this.#phases,
      peakHeapBytes: this.#peak,
      peakHeapPhase: this.#peakPhase,
      peakLiveHeapBytes: this.#peakLive,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      heapLimitBytes: getHeapStatistics().heap_size_limit,
      ...(flag ? { heapLimitFlag: flag } : {}),
    };
  }
}
