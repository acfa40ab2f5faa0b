import { PoolClosedError } from '../contract/errors.js';

/**
 * What keeps a dual-mode pool's operations and its mode switches apart: operations pass while the
 * gate is open (a counter, no allocation, no promise: it sits on every send and peerSeen); a
 * switch closes it, waits for the operations inside to leave, and reopens it when done.
 * Operations arriving meanwhile wait (first come, first served, as behind a fair lock's writer).
 * Switches run one at a time.
 */
export class SwitchGate {
  #inside = 0;
  /** Operations (resolve, reject) and switches waiting for the gate to open. */
  #waiting: { readonly resolve: () => void; readonly reject: (err: Error) => void }[] = [];
  /** The switch in progress or queued last; the next one starts after it. */
  #switchTail: Promise<void> = Promise.resolve();
  #switching = false;
  #drained: (() => void) | undefined;
  #shut: Error | undefined;

  /** Enters at once if the gate is open; false means: wait with `entered()`. */
  enter(): boolean {
    if (this.#switching || this.#shut) return false;
    this.#inside++;
    return true;
  }

  /** Resolves once the caller is inside (after the switch in progress); rejects once shut. */
  entered(): Promise<void> {
    if (this.#shut) return Promise.reject(this.#shut);
    if (this.enter()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({
        resolve: () => {
          this.#inside++;
          resolve();
        },
        reject,
      });
    });
  }

  leave(): void {
    this.#inside--;
    if (this.#inside === 0 && this.#drained) {
      const drained = this.#drained;
      this.#drained = undefined;
      drained();
    }
  }

  /**
   * Closes the gate once the switch before it is done and every operation inside has left.
   * Resolves with the function that reopens it (and lets the waiting operations in).
   */
  async closeForSwitch(): Promise<() => void> {
    const previous = this.#switchTail;
    let finished!: () => void;
    this.#switchTail = new Promise<void>((resolve) => (finished = resolve));
    try {
      await previous;
      if (this.#shut) throw this.#shut;
      this.#switching = true;
      if (this.#inside > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
      if (this.#shut) throw this.#shut;
    } catch (err) {
      this.#switching = false;
      finished();
      throw err;
    }
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.#switching = false;
      finished();
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const w of waiting) w.resolve();
    };
  }

  /** For good (the pool closes): everything waiting is rejected with PoolClosedError. */
  shut(): void {
    if (this.#shut) return;
    this.#shut = new PoolClosedError();
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w.reject(this.#shut);
    const drained = this.#drained;
    this.#drained = undefined;
    drained?.();
  }

  /** Operations inside now. */
  get inside(): number {
    return this.#inside;
  }

  /** Operations waiting for a switch to finish, plus a switch waiting for operations to leave. */
  get waiters(): number {
    return this.#waiting.length + (this.#drained ? 1 : 0);
  }
}
