import type { Connection } from '../contract/connection.js';
import type { PeerInfo } from '../contract/types.js';
import type { ConnectionLink } from './connection-view.js';

/** The links of one key, as the registry hands them out: iterated, and counted. */
export type KeyLinks = Pick<ReadonlySet<ConnectionLink>, 'size' | typeof Symbol.iterator>;

const NONE: KeyLinks = new Set();

/**
 * A key's one link, as withKey hands it out. The by-key map holds the link itself: nearly every
 * key has one, and a Set of one cost about 200 B per peer (the Set and its hash table, a heap
 * snapshot at 20k peers), a SoleLink kept in the map 32 B; made per call, it is young garbage.
 * A Set is made only while a replacement puts a second link under the key.
 */
class SoleLink implements KeyLinks {
  constructor(readonly link: ConnectionLink) {}
  get size(): number {
    return 1;
  }
  *[Symbol.iterator](): SetIterator<ConnectionLink> {
    yield this.link;
  }
}

/**
 * The real connections a dual-mode pool tracks: one link each, found by its peer's key (so that
 * spotting a replacement is one lookup, not a scan of every link), by its connection among its
 * key's links, and, for a dial, by the info object the manager hands back.
 *
 * No map by connection: a connection carries one peer, whose key its info gives, so the key's
 * links (one, two while a replacement is under way) find it. The map by connection cost an entry
 * per peer, ~46 B at 10k peers (its table) for an index the key already gives.
 */
export class LinkRegistry {
  readonly #byKey = new Map<string, ConnectionLink | Set<ConnectionLink>>();
  #size = 0;
  readonly #dialled = new WeakMap<PeerInfo, ConnectionLink>();
  /** Bounded by the addresses dialled; each entry goes when its connect's mirror half reads it. */
  readonly #dialledTo = new Map<string, ConnectionLink>();
  readonly #keyOf: (info: PeerInfo) => string;
  readonly #make: (connection: Connection, info: PeerInfo, key: string) => ConnectionLink;

  constructor(keyOf: (info: PeerInfo) => string, make: (connection: Connection, info: PeerInfo, key: string) => ConnectionLink) {
    this.#keyOf = keyOf;
    this.#make = make;
  }

  get size(): number {
    return this.#size;
  }

  /** Every link, a key's links together, in the order their keys were first tracked. */
  *values(): Generator<ConnectionLink, void, undefined> {
    for (const links of this.#byKey.values()) {
      if (links instanceof Set) yield* links;
      else yield links;
    }
  }

  /** The link of `connection`, made on first sight. */
  of(connection: Connection, info: PeerInfo): ConnectionLink {
    const key = this.#keyOf(info);
    const sameKey = this.#byKey.get(key);
    if (sameKey instanceof Set) {
      for (const existing of sameKey) if (existing.real === connection) return existing;
    } else if (sameKey?.real === connection) return sameKey;
    const link = this.#make(connection, info, key);
    this.#size++;
    if (sameKey === undefined) this.#byKey.set(key, link);
    else if (sameKey instanceof Set) sameKey.add(link);
    else this.#byKey.set(key, new Set([sameKey, link]));
    return link;
  }

  /** The links whose peer has `key` (two while a replacement is under way). */
  withKey(key: string): KeyLinks {
    const links = this.#byKey.get(key);
    return links === undefined ? NONE : links instanceof Set ? links : new SoleLink(links);
  }

  /** Remembers the link a dial made, to be found from the info the manager resolves with. */
  dialled(info: PeerInfo, link: ConnectionLink): void {
    this.#dialled.set(info, link);
  }

  dialledBy(info: PeerInfo): ConnectionLink | undefined {
    return this.#dialled.get(info);
  }

  /**
   * The link the last dial to `address` (as connectToPeer was given it) made, forgotten as it is
   * read: a connect that lost to a connection already held (a simultaneous dial) resolves with
   * that connection's info, and the mirror is still given the connection that was dialled.
   */
  takeDialledTo(address: string): ConnectionLink | undefined {
    const link = this.#dialledTo.get(address);
    this.#dialledTo.delete(address);
    return link;
  }

  dialledTo(address: string, link: ConnectionLink): void {
    this.#dialledTo.set(address, link);
  }

  /** Stops tracking `link` (its connection closed). */
  remove(link: ConnectionLink): void {
    const sameKey = this.#byKey.get(link.key);
    if (sameKey === undefined) return;
    if (sameKey instanceof Set) {
      if (!sameKey.delete(link)) return;
      // Back to one link: the Set goes too.
      if (sameKey.size === 1) this.#byKey.set(link.key, sameKey.values().next().value!);
    } else {
      if (sameKey !== link) return;
      this.#byKey.delete(link.key);
    }
    this.#size--;
  }

  /** Drops a link neither manager took (its add failed): its listeners off the connection. */
  forget(link: ConnectionLink): void {
    if (link.heldBy('legacy') || link.heldBy('unified')) return;
    link.dispose();
    this.remove(link);
  }

  clear(): void {
    this.#size = 0;
    this.#byKey.clear();
    this.#dialledTo.clear();
  }
}
