import { pino, type Logger } from 'pino';

export type LogLine = Record<string, unknown> & { msg?: string; level: number };

export interface CapturedLogs {
  readonly logger: Logger;
  /** Every record written, parsed, in order. */
  readonly lines: LogLine[];
  /** The `msg` of every record, in order. */
  messages(): string[];
  /** The first record whose `msg` matches. */
  find(msg: RegExp): LogLine | undefined;
}

/** A real pino logger writing JSON lines into an array the test can read. */
export function captureLogs(level: pino.Level = 'debug'): CapturedLogs {
  const lines: LogLine[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return {
    logger,
    lines,
    messages: () => lines.map((l) => String(l.msg)),
    find: (msg) => lines.find((l) => msg.test(String(l.msg))),
  };
}
