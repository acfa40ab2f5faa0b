/** An entry of a SettledFifo: marked done once settled, and skipped from then on. */
export interface Settleable {
  done: boolean;
}

/** How far the head may run before the settled entries in front of it are cut off. */
const COMPACT_AT = 1024;

/**
 * Entries in the order they were added, each marked done when it settles, in any order. The
 * settled ones in front are dropped as they are met: an emptied queue restarts, and a head that
 * has run far is compacted, so a queue that is never empty stays the size of what is pending.
 * What send deadlines and mirror-call deadlines share; each keeps its own timing policy.
 */
export class SettledFifo<T extends Settleable> {
  readonly #items: T[] = [];
  /** Entries before it are settled. */
  #head = 0;

  push(item: T): void {
    this.#items.push(item);
  }

  /** The oldest entry not settled, if any. */
  oldest(): T | undefined {
    this.dropSettled();
    return this.#items[this.#head];
  }

  /** The entries not settled, oldest first, until `visit` returns false. */
  forEachPending(visit: (item: T) => boolean | void): void {
    const items = this.#items;
    for (let i = this.#head; i < items.length; i++) {
      const item = items[i]!;
      if (item.done) continue;
      if (visit(item) === false) break;
    }
  }

  /** Moves the head past the settled entries in front. */
  dropSettled(): void {
    const items = this.#items;
    let head = this.#head;
    while (head < items.length && items[head]!.done) head++;
    if (head === items.length) {
      items.length = 0;
      head = 0;
    } else if (head >= COMPACT_AT && head * 2 >= items.length) {
      items.splice(0, head);
      head = 0;
    }
    this.#head = head;
  }

  clear(): void {
    this.#items.length = 0;
    this.#head = 0;
  }
}
