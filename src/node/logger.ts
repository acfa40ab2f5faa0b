import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import type { LogFormat } from './config.js';

/**
 * The node's logger: pretty lines on a terminal, JSON lines otherwise (a log shipper, the
 * rehearsal's per-node log files). Both write synchronously, so nothing is lost on exit.
 */
export function createNodeLogger(options: { level: string; format: LogFormat; nodeId: string; isTTY?: boolean }): Logger {
  const pretty = options.format === 'pretty' || (options.format === 'auto' && (options.isTTY ?? process.stdout.isTTY === true));
  const base = { level: options.level, base: { node: options.nodeId } };
  if (pretty) return pino(base, PinoPretty({ colorize: true, sync: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }));
  return pino(base, pino.destination({ dest: 1, sync: true }));
}
