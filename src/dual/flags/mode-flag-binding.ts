import type { Logger } from 'pino';
import { ConfigError, FlagFileError } from '../../contract/errors.js';
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
    logger.error({ source: provider.source, value: raw, allowed: POOL_MODES }, `invalid mode flag value: starting in ${DEFAULT_MODE}`);
    return DEFAULT_MODE;
  }
  logger.info({ source: provider.source, mode }, `mode from flag: ${mode}`);
  return mode;
}

export interface ModeFlagBinding {
  /** Settles once the value read at bind time has been applied. */
  readonly ready: Promise<void>;
  /** Re-reads the flag and applies it now (what a change notification does). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Keeps a pool in the mode its flag says. A forward move of more than one stage is walked one
 * stage at a time; the promotion gate still applies (a refusal is logged and the mode stays). An
 * invalid value keeps the current mode and logs an error with the value; an unconfigured flag
 * keeps the current mode and says so. Changes are applied one at a time, latest value wins.
 */
export function bindModeFlag(pool: DualModePool, provider: ModeFlagProvider, logger: Logger): ModeFlagBinding {
  const log = logger.child({ component: 'mode-flag', source: provider.source });
  let closed = false;
  let chain: Promise<void> = Promise.resolve();

  const apply = async (): Promise<void> => {
    if (closed) return;
    let raw: unknown;
    try {
      raw = await provider.read();
    } catch (err) {
      // A file refused (not a regular file, over the cap, too slow) is a warning: the mode holds.
      if (err instanceof FlagFileError) log.warn({ err: err.message, code: err.code, fault: err.fault, mode: pool.mode }, 'mode flag refused: mode unchanged');
      else log.error({ err: (err as Error).message, mode: pool.mode }, 'mode flag unreadable: mode unchanged');
      return;
    }
    if (closed) return;
    if (raw === undefined) {
      log.info({ mode: pool.mode }, `no mode flag configured: mode stays ${pool.mode}`);
      return;
    }
    const target = parse(raw);
    if (!target) {
      log.error({ value: raw, mode: pool.mode, allowed: POOL_MODES }, 'invalid mode flag value: mode unchanged');
      return;
    }
    while (!closed && pool.mode !== target) {
      const from = POOL_MODES.indexOf(pool.mode);
      const to = POOL_MODES.indexOf(target);
      const step = to > from ? POOL_MODES[from + 1]! : target;
      try {
        await pool.setMode(step, { source: provider.source });
      } catch (err) {
        log.error({ err: (err as Error).message, code: (err as { code?: string }).code, from: pool.mode, to: step, target }, 'mode flag not applied');
        return;
      }
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
    async close() {
      closed = true;
      unwatch();
      await chain.catch(() => undefined);
    },
  };
}
