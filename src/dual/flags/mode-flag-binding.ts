import type { Logger } from 'pino';
import { systemClock, TimerSet, type Clock, type TimerHandle } from '../../contract/clock.js';
import { ConfigError, FlagFileError, PromotionRefusedError } from '../../contract/errors.js';
import { readableDuration, wholeMs } from '../../util/readable-duration.js';
import { DUAL_DEFAULTS } from '../dual-defaults.js';
import type { DualModePool } from '../dual-mode-pool.js';
import { DEFAULT_MODE, POOL_MODES, isPoolMode, type PoolMode } from '../modes.js';
import type { ModeFlagProvider } from './mode-flag-provider.js';

/** Validates a raw flag value: a mode, or undefined with the reason logged. */
function parse(raw: unknown): PoolMode | undefined {
  const value = typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
  return isPoolMode(value) ? value : undefined;
}

/**
 * The mode to construct the pool in: the flag's value, or `legacy` when no flag is configured or
 * its value is invalid (logged either way, with the value).
 */
export async function initialMode(provider: ModeFlagProvider, logger: Logger, options: { strict?: boolean } = {}): Promise<PoolMode> {
  let raw: unknown;
  try {
    raw = await provider.read();
  } catch (err) {
    // At start, a node refuses a flag it cannot read rather than guess (`strict`); a running
    // node keeps its mode (see bindModeFlag).
    if (options.strict) throw new ConfigError(provider.source, `cannot be read: ${(err as Error).message}`);
    logger.error({ source: provider.source, err: (err as Error).message }, `mode flag unreadable: starting in ${DEFAULT_MODE}`);
    return DEFAULT_MODE;
  }
  if (raw === undefined) {
    logger.info({ source: provider.source }, `no mode flag configured: mode is ${DEFAULT_MODE}`);
    return DEFAULT_MODE;
  }
  const mode = parse(raw);
  if (!mode) {
    if (options.strict) throw new ConfigError(provider.source, `holds ${JSON.stringify(raw)}, not one of ${POOL_MODES.join(', ')}`);
    logger.error({ source: provider.source, value: raw, allowed: POOL_MODES }, `invalid mode flag value ${JSON.stringify(raw)}: starting in ${DEFAULT_MODE}`);
    return DEFAULT_MODE;
  }
  logger.info({ source: provider.source, mode }, `mode from flag: ${mode}`);
  return mode;
}

/** The flag asks for a mode the promotion gate refused: the node stays where it is, and asks the gate again. */
export interface FlagWaiting {
  /** The mode the flag asks for. */
  readonly requested: PoolMode;
  /** The mode the pool stays in meanwhile. */
  readonly mode: PoolMode;
  /** Why the gate refuses, as of its last look. */
  readonly reason: string;
  /** When the gate first refused this request (clock ms, whole). */
  readonly since: number;
}

export interface ModeFlagBindingOptions {
  /** The re-evaluation timer's clock. Default: the system clock. */
  readonly clock?: Clock;
  /** While waiting on the gate, it is asked again this often. Default DUAL_DEFAULTS.gateRetryIntervalMs. */
  readonly gateRetryIntervalMs?: number;
}

export interface ModeFlagBinding {
  /** Settles once the value read at bind time has been applied. */
  readonly ready: Promise<void>;
  /** Re-reads the flag and applies it now (what a change notification does). */
  refresh(): Promise<void>;
  /** Set while the flag asks for a promotion the gate refused; undefined otherwise. */
  readonly waiting: FlagWaiting | undefined;
  close(): Promise<void>;
}

/**
 * Keeps a pool in the mode its flag says. A forward move of more than one stage is walked one
 * stage at a time; the promotion gate still applies: a refusal is logged, the mode stays, and
 * the gate is asked again every `gateRetryIntervalMs` until it opens (then the flag is read and
 * applied again, and the log says so) or the flag asks for something else. An invalid value
 * keeps the current mode and logs an error with the value; an unconfigured flag keeps the
 * current mode and says so. Changes are applied one at a time, latest value wins.
 */
export function bindModeFlag(pool: DualModePool, provider: ModeFlagProvider, logger: Logger, options: ModeFlagBindingOptions = {}): ModeFlagBinding {
  const log = logger.child({ component: 'mode-flag', source: provider.source });
  const clock = options.clock ?? systemClock;
  const retryMs = options.gateRetryIntervalMs ?? DUAL_DEFAULTS.gateRetryIntervalMs;
  if (!(retryMs > 0)) throw new ConfigError('gateRetryIntervalMs', `must be > 0, got ${String(retryMs)}`);
  const timers = new TimerSet(clock);
  let retry: TimerHandle | undefined;
  let waiting: FlagWaiting | undefined;
  let closed = false;
  let chain: Promise<void> = Promise.resolve();
  // The problem last logged: the same bad file or value read again (another watch event) is not logged again.
  let reported: string | undefined;
  const once = (problem: string, report: () => void): void => {
    if (problem !== reported) report();
    reported = problem;
  };

  const setWaiting = (next: FlagWaiting | undefined): void => {
    waiting = next;
    pool.metrics?.gate.waiting.set(next ? 1 : 0);
    if (next && retry === undefined) retry = timers.interval(lookAgain, retryMs);
    if (!next) {
      timers.clear(retry);
      retry = undefined;
    }
  };

  /**
   * The retry timer: the flag is applied again once the gate would let the promotion pass (asked
   * without deciding: no refusal logged at every look), or once the mode was moved meanwhile (an
   * operator's setMode), which the flag then walks again.
   */
  const lookAgain = (): void => {
    if (closed || !waiting) return;
    if (pool.mode === waiting.mode) {
      const now = pool.gate.evaluate();
      if (!now.allowed) {
        waiting = { ...waiting, reason: now.reason };
        return;
      }
    }
    void refresh();
  };

  const apply = async (): Promise<void> => {
    if (closed) return;
    let raw: unknown;
    try {
      raw = await provider.read();
    } catch (err) {
      // A file refused (not JSON, not a regular file, over the cap, too slow) is a warning: the mode holds.
      once((err as Error).message, () => {
        if (err instanceof FlagFileError) log.warn({ err: err.message, code: err.code, fault: err.fault, mode: pool.mode }, 'mode flag refused: mode unchanged');
        else log.error({ err: (err as Error).message, mode: pool.mode }, 'mode flag unreadable: mode unchanged');
      });
      return;
    }
    if (closed) return;
    if (raw === undefined) {
      reported = undefined;
      // Nothing asks for the refused mode any more.
      setWaiting(undefined);
      log.info({ mode: pool.mode }, `no mode flag configured: mode stays ${pool.mode}`);
      return;
    }
    const target = parse(raw);
    if (!target) {
      once(`value ${JSON.stringify(raw)}`, () => log.error({ value: raw, mode: pool.mode, allowed: POOL_MODES }, `invalid mode flag value ${JSON.stringify(raw)}: mode unchanged`));
      return;
    }
    reported = undefined;
    const waited = waiting?.requested === target ? waiting : undefined;
    while (!closed && pool.mode !== target) {
      const from = POOL_MODES.indexOf(pool.mode);
      const to = POOL_MODES.indexOf(target);
      const step = to > from ? POOL_MODES[from + 1]! : target;
      try {
        await pool.setMode(step, { source: provider.source });
      } catch (err) {
        if (err instanceof PromotionRefusedError && !closed) {
          // Logged once per request: the gate is asked again on the timer, not on every re-read.
          if (!waited) log.warn({ err: err.message, code: err.code, from: pool.mode, to: step, target, gateRetryIntervalMs: retryMs }, 'mode flag not applied: waiting for the promotion gate');
          setWaiting({ requested: target, mode: pool.mode, reason: err.reason, since: waited?.since ?? wholeMs(clock.now()) });
          return;
        }
        log.error({ err: (err as Error).message, code: (err as { code?: string }).code, from: pool.mode, to: step, target }, 'mode flag not applied');
        setWaiting(undefined);
        return;
      }
    }
    if (closed) return;
    setWaiting(undefined);
    if (waited) {
      const waitedMs = wholeMs(clock.now() - waited.since);
      log.info({ mode: pool.mode, requested: target, waitedMs }, `promotion gate opened: mode flag applied after waiting ${readableDuration(waitedMs)}`);
    }
  };
  const refresh = (): Promise<void> => {
    chain = chain.then(apply, apply);
    return chain;
  };
  const unwatch = provider.watch(() => void refresh());
  const ready = refresh();
  return {
    ready,
    refresh,
    get waiting() {
      return waiting;
    },
    async close() {
      closed = true;
      timers.clearAll();
      retry = undefined;
      unwatch();
      await chain.catch(() => undefined);
    },
  };
}
