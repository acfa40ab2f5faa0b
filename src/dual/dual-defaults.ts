/**
 * The dual layer's own defaults, in one place: the dual-mode pool's and its flag providers'. The
 * rest are the pool's (POOL_DEFAULTS), the verifier's and the promotion gate's (GATE_DEFAULTS).
 * Pure, so a flag provider reads it without loading the pool.
 */
export const DUAL_DEFAULTS = {
  /**
   * Period of the full snapshot comparison (the periodic pass), ms.
   * @default 10_000
   */
  snapshotIntervalMs: 10_000,
  /**
   * A flag file larger than this is refused, never read whole (a flag file is a few hundred bytes).
   * @default 64 * 1024
   */
  flagFileMaxBytes: 64 * 1024,
  /**
   * A flag file not stat'ed, opened and read within this is refused (a hung network mount).
   * @default 2000
   */
  flagFileReadTimeoutMs: 2000,
  /**
   * While the flag asks for a promotion the gate refused, the gate is asked again this often
   * (bindModeFlag): the node promotes itself once the gate opens, within this of it.
   * @default 5000
   */
  gateRetryIntervalMs: 5000,
} as const;
