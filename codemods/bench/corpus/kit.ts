// Shared by the corpus harnesses: what a manager is handed, and a way to record what it did.

/**
 * A stand-in for a WebSocket (the corpus compares what a manager does with its sockets, not the
 * network): records every frame sent and whether it was closed.
 */
export class RecordingSocket {
  readonly sent: string[] = [];
  closed = false;
  constructor(readonly id: string) {}
  send(data: string): void {
    if (this.closed) throw new Error(`${this.id}: send after close`);
    this.sent.push(data);
  }
  close(): void {
    this.closed = true;
  }
}

/** Runs `fn` with `Date.now()` reading `clock.at`, so a harness gives the same results on every run. */
export async function withClock<T>(clock: { at: number }, fn: () => T | Promise<T>): Promise<T> {
  const real = Date.now;
  Date.now = () => clock.at;
  try {
    return await fn();
  } finally {
    Date.now = real;
  }
}

/** What every harness records of its sockets at the end. */
export function socketsState(sockets: readonly RecordingSocket[]): { id: string; sent: string[]; closed: boolean }[] {
  return sockets.map((s) => ({ id: s.id, sent: [...s.sent], closed: s.closed }));
}
