import { isIPv4 } from 'node:net';
import { parseDuration } from '../node/duration.js';
import { nodeAddresses } from './plan.js';

/** A rehearsal command's option parsers: a bad value exits 2 with one line naming the option and the value. */
export interface CliValues {
  fail(message: string): never;
  ms(field: string, text: string): number;
  int(field: string, text: string, min: number, max: number): number;
  /** The first node's address, refused before the run starts (not after an empty report); `count` addresses must fit in its /24. */
  baseAddress(text: string, count: number): string;
}

export function cliValues(command: string): CliValues {
  const fail: (message: string) => never = (message) => {
    process.stderr.write(`poolshift ${command}: ${message}\n`);
    process.exit(2);
  };
  return {
    fail,
    ms(field, text) {
      const v = parseDuration(text);
      if (v === undefined || v <= 0) fail(`${field} must be a positive duration (e.g. 500ms, 2s), got ${JSON.stringify(text)}`);
      return v;
    },
    int(field, text, min, max) {
      const v = Number(text);
      if (!Number.isInteger(v) || v < min || v > max) fail(`${field} must be an integer within ${min}..${max}, got ${JSON.stringify(text)}`);
      return v;
    },
    baseAddress(text, count) {
      if (!isIPv4(text) || !text.startsWith('127.')) fail(`--base-address must be an IPv4 loopback address (127.x.y.z), got ${JSON.stringify(text)}`);
      try {
        nodeAddresses(text, count);
      } catch (err) {
        fail((err as Error).message);
      }
      return text;
    },
  };
}
