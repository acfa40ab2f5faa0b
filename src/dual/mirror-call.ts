import type { WatchedCall } from './call-deadlines.js';
import type { ManagerSide } from './modes.js';
import type { WriteTicket } from './write-tracker.js';

/** Where a mirror call's outcome goes: the dual-mode pool's two handlers, made once per pool. */
export interface MirrorOutcomes {
  ok(call: MirrorCall, value: unknown): void;
  fail(call: MirrorCall, err: Error): void;
}

/**
 * One mirror call in flight, and its own record: what CallDeadlines bounds it by (no record, no
 * handler closures), what the key's later mirror calls wait for (in order), and what a write that
 * waits for its mirror half awaits. A real promise is made only once something waits on it: on
 * the hot path nothing does (the caller is served alone, and a key rarely has a second write while
 * the first's mirror call runs). A promise per mirrored send with its executor, its resolver and
 * its handlers' closures cost about 0.2-0.3 us at 1k peers, and a good share of the GC.
 */
export class MirrorCall implements PromiseLike<void>, WatchedCall {
  tick = 0;
  done = false;
  /** Set by a write that was served before its mirror half: that write is done once this settles. */
  servedWrite: WriteTicket | undefined;
  /** The evidence time of a served peerSeen: it counts once the mirror accepted the call. */
  seenAt: number | undefined;
  #settled = false;
  #promise: Promise<void> | undefined;
  #resolve: (() => void) | undefined;

  constructor(
    readonly outcomes: MirrorOutcomes,
    /** The operation as reported (a dial's add is 'connectToPeer'). */
    readonly op: string,
    readonly key: string | undefined,
    readonly side: ManagerSide,
    readonly write: WriteTicket | undefined,
    /** A broadcast's authoritative result, to compare the mirror's with; else undefined. */
    readonly compareWith: unknown,
  ) {}

  ok(value: unknown): void {
    this.outcomes.ok(this, value);
  }

  fail(err: Error): void {
    this.outcomes.fail(this, err);
  }

  then<A = void, B = never>(onfulfilled?: ((value: void) => A | PromiseLike<A>) | null, onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    this.#promise ??= this.#settled ? Promise.resolve() : new Promise<void>((resolve) => (this.#resolve = resolve));
    return this.#promise.then(onfulfilled, onrejected);
  }

  /** The call is done, whatever its outcome (a mirror call never rejects: its failure is recorded). */
  settle(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve?.();
  }

  get settled(): boolean {
    return this.#settled;
  }
}
