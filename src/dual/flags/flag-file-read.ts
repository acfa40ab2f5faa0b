import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Clock } from '../../contract/clock.js';
import { FlagFileError } from '../../contract/errors.js';

export interface FlagFileLimits {
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly clock: Clock;
}

/**
 * Non-blocking, so opening a FIFO returns at once instead of waiting for a writer (the fstat after
 * the open then refuses it). O_NONBLOCK is absent on Windows, where a FIFO is not a path.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

function kind(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isDirectory()) return 'a directory';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a file';
}

function check(path: string, st: Stats, maxBytes: number): void {
  if (!st.isFile()) throw new FlagFileError('not-regular', path, `${kind(st)}, not a regular file`);
  if (st.size > maxBytes) throw new FlagFileError('too-large', path, `${st.size} bytes, over the cap of ${maxBytes}`);
}

/** stat, then open, fstat and read at most maxBytes + 1 bytes: never a FIFO, never a file whole. */
async function readCapped(path: string, maxBytes: number): Promise<string> {
  check(path, await stat(path), maxBytes);
  const handle = await open(path, OPEN_FLAGS);
  try {
    // The path may have been replaced between the stat and the open: check what was opened.
    check(path, await handle.stat(), maxBytes);
    const buf = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buf.length) {
      const { bytesRead } = await handle.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw new FlagFileError('too-large', path, `more than ${maxBytes} bytes, over the cap`);
    return buf.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}

/**
 * The text of a flag file, or a FlagFileError: not a regular file, over `maxBytes`, or not read
 * within `timeoutMs` (a hung mount: the read is abandoned, its handle closed whenever it returns).
 * Other errors (ENOENT, EACCES) are the file system's own.
 */
export function readFlagFile(path: string, limits: FlagFileLimits): Promise<string> {
  const { clock, timeoutMs } = limits;
  return new Promise<string>((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(new FlagFileError('timeout', path, `not read within ${timeoutMs} ms`)), timeoutMs);
    readCapped(path, limits.maxBytes).then(
      (text) => {
        clock.clearTimeout(timer);
        resolve(text);
      },
      (err: unknown) => {
        clock.clearTimeout(timer);
        reject(err as Error);
      },
    );
  });
}
