import type { PeerInfo, PoolSnapshot, SnapshotEntry } from '../contract/types.js';

/**
 * What the verifier compares of each read: every read's answer turned into key -> fingerprint, so
 * that two managers' answers line up key by key. Pure; nothing here knows there are two managers.
 */

/** A peer's info as compared: every field a manager keeps. */
export function fingerprint(i: PeerInfo): string {
  return `${i.ip}|${i.port}|${i.version}|${i.direction}|${i.nodeId}`;
}

/** A snapshot entry as compared: the info, whether it has a connection, and the liveness. */
export function entryFingerprint(e: SnapshotEntry): string {
  return `${e.info ? fingerprint(e.info) : '-'}|${e.connected ? 'c' : '-'}|${e.liveness}`;
}

/** getPeer(key): the key, if the peer is held. */
export function peerByKey(key: string, info: PeerInfo | undefined): Map<string, string> {
  return new Map(info ? [[key, fingerprint(info)]] : []);
}

/** getConnectedPeers(): each peer under its key. */
export function peersByKey(infos: readonly PeerInfo[], keyOf: (info: PeerInfo) => string): Map<string, string> {
  return new Map(infos.map((i) => [keyOf(i), fingerprint(i)]));
}

/** getPeerIps(): each IP with how often it is listed (a list, not a set: duplicates are a difference). */
export function ipCounts(ips: readonly string[]): Map<string, string> {
  const counts = new Map<string, number>();
  for (const ip of ips) counts.set(ip, (counts.get(ip) ?? 0) + 1);
  return new Map([...counts].map(([ip, n]) => [ip, String(n)]));
}

/**
 * snapshot() as a caller's read: each entry's info and connection under its key. Not its liveness:
 * two managers' clocks reads a moment apart put a peer at the stale bound on either side of it;
 * liveness is held to account by the periodic check (with persistence) and the evidence checks.
 */
export function snapshotEntries(s: PoolSnapshot): Map<string, string> {
  return new Map(s.entries.map((e) => [e.key, `${e.info ? fingerprint(e.info) : '-'}|${e.connected ? 'c' : '-'}`]));
}

/** A snapshot's entries by key. */
export function byKey(entries: readonly SnapshotEntry[]): Map<string, SnapshotEntry> {
  const map = new Map<string, SnapshotEntry>();
  for (const e of entries) map.set(e.key, e);
  return map;
}

/** Whether both hold exactly the same keys with a connection. */
export function sameConnectedPeers(a: ReadonlyMap<string, SnapshotEntry>, b: ReadonlyMap<string, SnapshotEntry>): boolean {
  let n = 0;
  for (const e of a.values()) {
    if (!e.connected) continue;
    n++;
    if (!b.get(e.key)?.connected) return false;
  }
  for (const e of b.values()) if (e.connected) n--;
  return n === 0;
}
