import { readFileSync } from 'node:fs';
import { LIMIT_DEFAULTS } from '../limits/limit-defaults.js';
import { ADMIN_DEFAULTS } from './config.js';

/**
 * Descriptors a node keeps for itself whatever the peer listener holds: stdio, the event loop's
 * own (epoll, eventfd, signal pipes, the thread pool), the listening sockets, the flag file's
 * watcher, log destinations, and slack. A node at rest uses about 30 (measured under tsx).
 */
export const BASE_DESCRIPTORS = 64;

export interface InboundBudget {
  /** The peer listener's maxInboundSockets. */
  readonly cap: number;
  /** What `--max-inbound-sockets` asked for. */
  readonly configured: number;
  /** The process's soft RLIMIT_NOFILE, where it could be read. */
  readonly softLimit: number | undefined;
  /** Descriptors kept out of the listener's reach: base, admin server, dials. */
  readonly reserve: number;
}

/**
 * The peer listener's total cap, sized so that with it full the process still has descriptors
 * for the admin server (its own cap), the dials to its configured peers (one connection or dial
 * each, and the pool's dial concurrency on top) and itself (BASE_DESCRIPTORS):
 * cap = min(--max-inbound-sockets, soft limit - reserve), at least 1.
 *
 * Node has no getrlimit(): RLIMIT_NOFILE cannot be read portably without native code. Linux
 * shows it in /proc/self/limits, which is read when it is there; elsewhere (or if it does not
 * parse) the configured cap is used as given, and `--max-inbound-sockets` (default 512, half the
 * common soft limit of 1,024) is the operator's to keep below `ulimit -n` minus the reserve.
 */
export function inboundBudget(configured: number, configuredPeers: number, softLimit: number | undefined): InboundBudget {
  const reserve = BASE_DESCRIPTORS + ADMIN_DEFAULTS.maxConnections + LIMIT_DEFAULTS.dialConcurrency + configuredPeers;
  const cap = softLimit === undefined ? configured : Math.max(1, Math.min(configured, softLimit - reserve));
  return { cap, configured, softLimit, reserve };
}

/** The soft limit on open files from /proc/self/limits (Linux); undefined elsewhere, or when unlimited. */
export function softDescriptorLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  let text: string;
  try {
    text = read();
  } catch {
    return undefined;
  }
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  const n = Number(soft);
  return soft !== undefined && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
