import { describe, expect, it } from 'vitest';
import { ManualClock, TimerSet } from '../../src/contract/clock.js';
import type { Connection } from '../../src/contract/connection.js';
import type { PeerInfo } from '../../src/contract/types.js';
import { ConnectionLink, type ConnectionLinkOptions } from '../../src/dual/connection-view.js';
import { LinkRegistry } from '../../src/dual/link-registry.js';
import { FakeConnection, peerInfo } from './helpers/fake-connection.js';

function registry(): LinkRegistry {
  const options: ConnectionLinkOptions = { live: { side: 'legacy' }, timers: new TimerSet(new ManualClock()), mutedPingTimeoutMs: 1000, onClosed: () => undefined };
  return new LinkRegistry((info) => info.ip, (connection: Connection, info: PeerInfo, key: string) => new ConnectionLink(connection, info, key, options));
}

describe('link registry', () => {
  it('finds a link by its connection and by its key, through a replacement and back', () => {
    const links = registry();
    const info = peerInfo('10.0.0.1');
    const first = new FakeConnection('10.0.0.1');
    const a = links.of(first, info);
    expect(links.of(first, info)).toBe(a);
    expect(links.withKey('10.0.0.1').size).toBe(1);
    expect([...links.withKey('10.0.0.1')]).toEqual([a]);
    // A replacement: two links under the key.
    const second = new FakeConnection('10.0.0.1');
    const b = links.of(second, peerInfo('10.0.0.1', { nodeId: 'other' }));
    expect(b).not.toBe(a);
    // Each connection still finds its own link among the key's two.
    expect(links.of(first, info)).toBe(a);
    expect(links.of(second, b.info)).toBe(b);
    expect(links.withKey('10.0.0.1').size).toBe(2);
    expect([...links.withKey('10.0.0.1')]).toEqual([a, b]);
    expect(links.size).toBe(2);
    // The old one goes: one left, found as before.
    links.remove(a);
    expect(links.withKey('10.0.0.1').size).toBe(1);
    expect([...links.withKey('10.0.0.1')]).toEqual([b]);
    // Removing a link no longer tracked changes nothing.
    links.remove(a);
    expect([...links.withKey('10.0.0.1')]).toEqual([b]);
    links.remove(b);
    expect(links.withKey('10.0.0.1').size).toBe(0);
    expect([...links.withKey('10.0.0.1')]).toEqual([]);
    expect(links.size).toBe(0);
  });

  it('keeps keys apart', () => {
    const links = registry();
    const a = links.of(new FakeConnection('10.0.0.1'), peerInfo('10.0.0.1'));
    const b = links.of(new FakeConnection('10.0.0.2'), peerInfo('10.0.0.2'));
    expect([...links.withKey('10.0.0.1')]).toEqual([a]);
    expect([...links.withKey('10.0.0.2')]).toEqual([b]);
    expect([...links.values()]).toEqual([a, b]);
    links.clear();
    expect(links.size).toBe(0);
    expect([...links.values()]).toEqual([]);
  });
});
