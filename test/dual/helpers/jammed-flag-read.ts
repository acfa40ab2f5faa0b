// Run as a child process with UV_THREADPOOL_SIZE=1: reads a flag file while the only libuv thread
// is held by an open of a FIFO with no writer, as a hung network mount holds it, and prints the
// outcome as one JSON line. Then lets the jammed open go (a writer opens the FIFO) and exits.
import { closeSync, constants, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { FileFlagProvider } from '../../../src/dual/flags/file-flag-provider.js';

const [flag, jamFifo, timeoutMs] = process.argv.slice(2) as [string, string, string];
const jam = open(jamFifo, 'r');
const began = performance.now();
try {
  const value = await new FileFlagProvider(flag, { readTimeoutMs: Number(timeoutMs) }).read();
  console.log(JSON.stringify({ value, ms: performance.now() - began }));
} catch (err) {
  const e = err as { code?: string; fault?: string; message: string };
  console.log(JSON.stringify({ code: e.code, fault: e.fault, message: e.message, ms: performance.now() - began }));
}
closeSync(openSync(jamFifo, constants.O_WRONLY | constants.O_NONBLOCK));
await (await jam).close();
