import type { Connection } from '../contract/connection.js';
import type { PeerInfo } from '../contract/types.js';
import type { ConnectionLink } from './connection-view.js';

/** The links of one key, as the registry hands them out: iterated, and counted. */
export type KeyLinks = Pick<ReadonlySet<ConnectionLink>, 'size' | typeof Symbol.iterator>;

const NONE: KeyLinks = new Set();

/**
 * A key's one link, in the by-key map: nearly every key has one, and a Set of one cost about 200 B
 * per peer (the Set and its hash table, a heap snapshot at 20k peers) where this costs 32 B. A
 * Set is made only while a replacement puts a second link under the key.
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
 * The real connections a dual-mode pool tracks: one link each, found by its connection, by its
 * peer's key (so that spotting a replacement is one lookup, not a scan of every link), and, for a
 * dial, by the info object the manager hands back.
 */
export class LinkRegistry {
  readonly #byConnection = new Map<Connection, ConnectionLink>();
  readonly #byKey = new Map<string, SoleLink | Set<ConnectionLink>>();
  readonly #dialled = new WeakMap<PeerInfo, ConnectionLink>();
  /** Bounded by the addresses dialled; each entry goes when its connect's mirror half reads it. */
  readonly #dialledTo = new Map<string, ConnectionLink>();
  readonly #make: (connection: Connection, info: PeerInfo) => ConnectionLink;

  constructor(make: (connection: Connection, info: PeerInfo) => ConnectionLink) {
    this.#make = make;
  }

  get size(): number {
    return this.#byConnection.size;
  }

  values(): IterableIterator<ConnectionLink> {
    return this.#byConnection.values();
  }

  /** The link of `connection`, made on first sight. */
  of(connection: Connection, info: PeerInfo): ConnectionLink {
    const existing = this.#byConnection.get(connection);
    if (existing) return existing;
    const link = this.#make(connection, info);
    this.#byConnection.set(connection, link);
    const sameKey = this.#byKey.get(link.key);
    if (sameKey === undefined) this.#byKey.set(link.key, new SoleLink(link));
    else if (sameKey instanceof SoleLink) this.#byKey.set(link.key, new Set([sameKey.link, link]));
    else sameKey.add(link);
    return link;
  }

  /** The links whose peer has `key` (two while a replacement is under way). */
  withKey(key: string): KeyLinks {
    return this.#byKey.get(key) ?? NONE;
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
    this.#byConnection.delete(link.real);
    const sameKey = this.#byKey.get(link.key);
    if (sameKey === undefined) return;
    if (sameKey instanceof SoleLink) {
      if (sameKey.link === link) this.#byKey.delete(link.key);
    } else if (sameKey.delete(link) && sameKey.size === 1) {
      // Back to one link: the Set goes too.
      this.#byKey.set(link.key, new SoleLink(sameKey.values().next().value!));
    }
  }

  /** Drops a link neither manager took (its add failed): its listeners off the connection. */
  forget(link: ConnectionLink): void {
    if (link.heldBy('legacy') || link.heldBy('unified')) return;
    link.dispose();
    this.remove(link);
  }

  clear(): void {
    this.#byConnection.clear();
    this.#byKey.clear();
    this.#dialledTo.clear();
  }
}
