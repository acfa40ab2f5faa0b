import { pino, type Logger } from 'pino';

export interface CapturedLogs {
  readonly logger: Logger;
  readonly lines: Array<Record<string, unknown> & { msg?: string; level: number }>;
  messages(): string[];
}

/** A real pino logger writing JSON lines into an array the test can read. */
export function captureLogs(level: pino.Level = 'debug'): CapturedLogs {
  const lines: CapturedLogs['lines'] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines, messages: () => lines.map((l) => String(l.msg)) };
}
