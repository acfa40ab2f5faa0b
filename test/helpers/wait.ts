/** Polls `probe` until it returns true; rejects with `what` after `timeoutMs` so a test fails, never hangs. */
export async function waitFor(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(10);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Lets pending I/O callbacks and microtasks run. */
export const flushIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
