import type { Logger } from 'pino';
import { TimerSet } from '../contract/clock.js';
import type { LockMonitor, LockParty } from './lock.js';
import { wholeMs } from '../util/readable-duration.js';

export interface LockStallReport {
  /** The wait that passed the bound. */
  readonly waiter: LockParty;
  readonly waitedMs: number;
  /** Everyone holding a lock of this monitor at that moment. */
  readonly holders: readonly LockParty[];
  /** Everyone waiting at that moment. */
  readonly waiters: readonly LockParty[];
}

export interface LockWatchdogOptions {
  readonly monitor: LockMonitor;
  /** A wait longer than this is reported. */
  readonly boundMs: number;
  /** How often to look; defaults to a quarter of the bound. */
  readonly checkEveryMs?: number;
  readonly logger?: Logger;
  readonly onStall?: (report: LockStallReport) => void;
}

/**
 * Reports a lock waited on longer than a bound, naming the operations holding and waiting, so
 * a deadlock (L6) is a report with its cause rather than a hung process. Each wait is reported
 * once.
 */
export class LockWatchdog {
  readonly #timers: TimerSet;
  readonly #reported = new WeakSet<LockParty>();
  #stalls = 0;

  constructor(private readonly options: LockWatchdogOptions) {
    this.#timers = new TimerSet(options.monitor.clock);
  }

  start(): void {
    if (this.#timers.size > 0) return;
    const every = this.options.checkEveryMs ?? Math.max(1, Math.floor(this.options.boundMs / 4));
    this.#timers.interval(() => this.check(), every);
  }

  stop(): void {
    this.#timers.clearAll();
  }

  get timers(): number {
    return this.#timers.size;
  }

  /** Stalls reported so far. */
  get stalls(): number {
    return this.#stalls;
  }

  /** Looks once; returns the reports it made. */
  check(): LockStallReport[] {
    const { monitor, boundMs } = this.options;
    const now = monitor.clock.now();
    const waiters = monitor.waiters();
    const reports: LockStallReport[] = [];
    for (const waiter of waiters) {
      const waitedMs = now - waiter.since;
      if (waitedMs <= boundMs || this.#reported.has(waiter)) continue;
      this.#reported.add(waiter);
      this.#stalls++;
      const report: LockStallReport = { waiter, waitedMs, holders: monitor.holders(), waiters };
      this.options.logger?.error(
        {
          lock: waiter.lock,
          op: waiter.op,
          waitedMs: wholeMs(waitedMs),
          holders: report.holders.map((h) => `${h.op} holds ${h.lock}`),
          waiters: report.waiters.map((w) => `${w.op} waits for ${w.lock}`),
        },
        'lock wait exceeded bound (possible deadlock)',
      );
      this.options.onStall?.(report);
      reports.push(report);
    }
    return reports;
  }
}
