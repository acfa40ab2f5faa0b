import { pino, type Logger } from 'pino';

export interface CapturedLog {
  readonly logger: Logger;
  readonly lines: Record<string, unknown>[];
  find(msg: RegExp): Record<string, unknown> | undefined;
}

/** A pino logger whose records land in an array, parsed. */
export function captureLog(): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines, find: (msg) => lines.find((l) => msg.test(String(l.msg))) };
}
