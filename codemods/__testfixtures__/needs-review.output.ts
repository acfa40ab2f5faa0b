import type { Conn, Info } from './support.js';

export class Pool {
  // TODO(poolshift): CLASS_NOT_MIGRATED Pool keeps its maps `connections`, `peers`, `lastSeen` (nothing of the class is rewritten) until these are resolved: 6 site(s) marked for review (1 with poolshift-ignore); then run again
  readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info>();
  readonly lastSeen = new Map<string, number>();

  addInfo(key: string, info: Info): void {
    // TODO(poolshift): PHANTOM_PEER `peers.set`, `lastSeen.set` with no `connections.set` for this key: the unified map has no entry without a connection. Set `connections` for the key in this block too, or keep such peers in a map of their own
    this.peers.set(key, info);
    this.lastSeen.set(key, Date.now());
  }

  dropConnection(key: string): void {
    // TODO(poolshift): PARTIAL_DELETE `connections.delete` with no `peers.delete` or `lastSeen.delete` of this key: in the unified map the entry goes as a whole. Delete them all here, or pass --apply-fixes to drop the whole entry
    this.connections.delete(key);
  }

  raw(): Map<string, Info> {
    // TODO(poolshift): MAP_ESCAPES `peers` is returned: give callers a method for what they need instead of `peers` itself
    return this.peers;
  }

  leak(): void {
    const seen = this.lastSeen;
    // TODO(poolshift): ALIAS_ESCAPES alias `seen` of `lastSeen` escapes: passed to `register` (`map.clear`, line 42), which changes it or keeps it: use `this.lastSeen` directly there, or convert that code by hand
    register(seen);
  }

  byName(name: 'peers' | 'lastSeen'): number {
    // TODO(poolshift): COMPUTED_ACCESS `this[name]` may reach the maps: name the field (`this.<map>`) so the codemod can follow it
    return this[name].size;
  }

  known(key: string): boolean {
    // poolshift-ignore: checked by hand, this is a phantom peer on purpose
    this.peers.set(key, { ip: key, version: 'unknown' });
    return this.peers.has(key);
  }

  seen(key: string): void {
    this.lastSeen.set(key, 1);
  }
}

function register(map: Map<string, number>): void {
  map.clear();
}
