import type { Conn, Info } from './support.js';

export class Pool {
  // TODO(poolshift): CLASS_NOT_MIGRATED Pool keeps its three maps until these are resolved: 7 site(s) marked for review (1 with poolshift-ignore)
  readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info>();
  readonly lastSeen = new Map<string, number>();

  addInfo(key: string, info: Info): void {
    // TODO(poolshift): PHANTOM_PEER peers.set with no connection for this key (L2): connect first, or keep this peer elsewhere
    this.peers.set(key, info);
    // TODO(poolshift): PARTIAL_INSERT only peers, lastSeen written here (no connections): decide what the unified entry holds
    this.lastSeen.set(key, Date.now());
  }

  dropConnection(key: string): void {
    // TODO(poolshift): PARTIAL_DELETE `delete` of connections only here: in the unified map the entry goes as a whole
    this.connections.delete(key);
  }

  raw(): Map<string, Info> {
    // TODO(poolshift): MAP_ESCAPES `peers` is returned
    return this.peers;
  }

  leak(): void {
    const seen = this.lastSeen;
    // TODO(poolshift): ALIAS_ESCAPES alias `seen` of `lastSeen` escapes: passed to `register` (`map.clear`, line 42), which changes it or keeps it
    register(seen);
  }

  byName(name: 'peers' | 'lastSeen'): number {
    // TODO(poolshift): COMPUTED_ACCESS `this[name]` may reach the maps
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
