/** Invalid configuration is refused at construction, with the field named. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LegacyPeerManager } from '../../legacy/legacy-peer-manager.js';
import { DualModePool } from '../../src/dual/dual-mode-pool.js';
import { ConfigError } from '../../src/contract/errors.js';
import { resolvePoolOptions, type PoolOptions } from '../../src/pool/pool-options.js';
import { UnifiedPeerManager } from '../../unified/unified-peer-manager.js';

const identity = { network: 'n', nodeId: 'me', version: '1', listenPort: 1 };

function fieldOf(make: () => unknown): string | undefined {
  try {
    make();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain((err as ConfigError).field);
    return (err as ConfigError).field;
  }
  return undefined;
}

describe('configuration refused at start, naming the field', () => {
  const cases: [string, Partial<PoolOptions> & Record<string, unknown>, string][] = [
    ['negative keep-alive', { keepAliveIntervalMs: -1 }, 'keepAliveIntervalMs'],
    ['zero reaper interval', { reaperIntervalMs: 0 }, 'reaperIntervalMs'],
    ['NaN stale bound', { staleAfterMs: Number.NaN }, 'staleAfterMs'],
    ['stale bound shorter than the keep-alive', { keepAliveIntervalMs: 30_000, staleAfterMs: 10_000 }, 'staleAfterMs'],
    ['unknown keyBy', { keyBy: 'mac' as never }, 'keyBy'],
    ['maxPeers 0', { limits: { maxPeers: 0 } }, 'limits.maxPeers'],
    ['fractional maxPeers', { limits: { maxPeers: 2.5 } }, 'limits.maxPeers'],
    ['outbound share over 1', { limits: { outboundShare: 1.5 } }, 'limits.outboundShare'],
    ['negative dial queue', { limits: { dialQueueLength: -1 } }, 'limits.dialQueueLength'],
    ['negative dial timeout', { limits: { dialTimeoutMs: -5 } }, 'limits.dialTimeoutMs'],
    ['zero slow-peer bound', { limits: { slowPeerTimeoutMs: 0 } }, 'limits.slowPeerTimeoutMs'],
    ['a deny entry that is not a CIDR', { limits: { deny: ['10.0.0.0/8', '300.1.1.1/8'] } }, 'limits.deny[1]'],
    ['an allow entry that is not a string', { limits: { allow: [42 as never] } }, 'limits.allow[0]'],
  ];
  it.each(cases)('%s', (_what, options, field) => {
    expect(fieldOf(() => resolvePoolOptions({ identity, ...options }))).toBe(field);
    expect(fieldOf(() => new UnifiedPeerManager({ identity, ...options }))).toBe(field);
    if (!('limits' in options)) expect(fieldOf(() => new LegacyPeerManager({ identity, ...options }))).toBe(field);
  });

  it('an unknown mode', () => {
    expect(fieldOf(() => new DualModePool({ identity, mode: 'canary' as never }))).toBe('mode');
  });

  it('any non-positive or non-finite interval, whichever field', () => {
    const bad = fc.oneof(fc.integer({ max: 0 }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY), fc.double({ max: 0 }));
    const fieldArb = fc.constantFrom('keepAliveIntervalMs', 'staleAfterMs', 'reaperIntervalMs', 'lockWaitBoundMs');
    fc.assert(
      fc.property(fieldArb, bad, (field, value) => {
        expect(fieldOf(() => resolvePoolOptions({ identity, [field]: value }))).toBe(field);
      }),
    );
  });
});
