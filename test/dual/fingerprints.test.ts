import { describe, expect, it } from 'vitest';
import { byKey, entryFingerprint, fingerprint, ipCounts, peerByKey, peersByKey, sameConnectedPeers, snapshotEntries } from '../../src/dual/fingerprints.js';
import type { PeerInfo, SnapshotEntry } from '../../src/contract/types.js';

const info = (ip: string, over: Partial<PeerInfo> = {}): PeerInfo => ({ ip, port: 7700, version: '1.0.0', direction: 'inbound', nodeId: `n-${ip}`, ...over });
const entry = (key: string, connected = true, over: Partial<SnapshotEntry> = {}): SnapshotEntry => ({
  key,
  info: info(key),
  lastSeen: 1,
  liveness: 'alive',
  connectedAt: 0,
  connected,
  ...over,
});

describe('read fingerprints', () => {
  it('a peer differs in any field a manager keeps', () => {
    const base = fingerprint(info('10.0.0.1'));
    for (const over of [{ port: 7701 }, { version: '2.0.0' }, { direction: 'outbound' as const }, { nodeId: 'other' }]) {
      expect(fingerprint(info('10.0.0.1', over)), JSON.stringify(over)).not.toBe(base);
    }
    expect(fingerprint(info('10.0.0.1'))).toBe(base);
  });

  it('a snapshot entry differs by connection and liveness, not by lastSeen (the liveness checks own that)', () => {
    const e = entryFingerprint(entry('a'));
    expect(entryFingerprint(entry('a', false))).not.toBe(e);
    expect(entryFingerprint(entry('a', true, { liveness: 'stale' }))).not.toBe(e);
    expect(entryFingerprint(entry('a', true, { lastSeen: 99 }))).toBe(e);
  });

  it('getPeerIps is compared as a list: a duplicate IP is a difference', () => {
    expect(ipCounts(['a', 'b', 'a'])).toEqual(new Map([['a', '2'], ['b', '1']]));
    expect(ipCounts(['a', 'b'])).not.toEqual(ipCounts(['a', 'b', 'b']));
  });

  it('reads are keyed the way the pool keys peers', () => {
    expect([...peersByKey([info('x', { port: 1 }), info('x', { port: 2 })], (i) => `${i.ip}:${i.port}`).keys()]).toEqual(['x:1', 'x:2']);
    expect(peerByKey('k', undefined).size).toBe(0);
    expect(snapshotEntries({ takenAt: 0, entries: [entry('a'), entry('b')] }).size).toBe(2);
    // A caller's snapshot read does not compare liveness (a peer at the bound reads either way).
    expect(snapshotEntries({ takenAt: 0, entries: [entry('a', true, { liveness: 'stale' })] })).toEqual(snapshotEntries({ takenAt: 0, entries: [entry('a')] }));
    expect(snapshotEntries({ takenAt: 0, entries: [entry('a', false)] })).not.toEqual(snapshotEntries({ takenAt: 0, entries: [entry('a')] }));
  });

  it('same connected peers: only keys held with a connection count', () => {
    const a = byKey([entry('a'), entry('b'), entry('c', false)]);
    expect(sameConnectedPeers(a, byKey([entry('b'), entry('a')]))).toBe(true);
    expect(sameConnectedPeers(a, byKey([entry('a')]))).toBe(false);
    expect(sameConnectedPeers(a, byKey([entry('a'), entry('b'), entry('d')]))).toBe(false);
    expect(sameConnectedPeers(a, byKey([entry('a'), entry('c')]))).toBe(false);
  });
});
