import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/contract/errors.js';
import { LIMIT_DEFAULTS } from '../../src/limits/limit-defaults.js';
import { ADMIN_DEFAULTS, NODE_DEFAULTS, resolveNodeConfig, type RawNodeOptions } from '../../src/node/config.js';
import { BASE_DESCRIPTORS, inboundBudget, softDescriptorLimit } from '../../src/node/descriptor-budget.js';
import { defaultNodeId } from '../../src/node/node-id.js';

const raw = (over: Partial<RawNodeOptions> = {}): RawNodeOptions => ({ ...NODE_DEFAULTS, ...over });

describe('poolshift node configuration: --node-version', () => {
  it('announces 1.0.0 by default, and the version given otherwise (a restart with another one is a replacement)', () => {
    expect(resolveNodeConfig(raw()).nodeVersion).toBe('1.0.0');
    expect(resolveNodeConfig(raw({ nodeVersion: ' 1.0.7 ' })).nodeVersion).toBe('1.0.7');
  });

  it('refuses an empty or oversized version, naming the option', () => {
    for (const nodeVersion of ['', '  ', 'x'.repeat(257)]) {
      expect(() => resolveNodeConfig(raw({ nodeVersion }))).toThrow(ConfigError);
      expect(() => resolveNodeConfig(raw({ nodeVersion }))).toThrow(/--node-version/);
    }
  });
});

describe('poolshift node configuration: the default node id', () => {
  it('does not carry the host name, and is stable for the same host and --listen', () => {
    const id = resolveNodeConfig(raw({ listen: '127.0.0.1:7700' })).nodeId;
    expect(id).toMatch(/^node-[0-9a-f]{12}$/);
    expect(id).not.toContain(hostname());
    expect(resolveNodeConfig(raw({ listen: '127.0.0.1:7700' })).nodeId).toBe(id);
    expect(resolveNodeConfig(raw({ listen: '127.0.0.1:7701' })).nodeId).not.toBe(id);
    expect(defaultNodeId({ host: '127.0.0.1', port: 7700 }, 'other-host')).not.toBe(id);
    expect(resolveNodeConfig(raw({ nodeId: ' canary-1 ' })).nodeId).toBe('canary-1');
  });
});

describe('poolshift node configuration: errors a person can act on', () => {
  it('refuses an empty --node-id (or POOLSHIFT_NODE_ID=""), instead of falling back to the default id', () => {
    for (const nodeId of ['', '   ']) expect(() => resolveNodeConfig(raw({ nodeId }))).toThrow(/--node-id must not be empty/);
  });

  it('names the address --listen and --admin are for, and the value', () => {
    expect(() => resolveNodeConfig(raw({ listen: '300.1.1.1:7700' }))).toThrow('--listen "300.1.1.1:7700" is not a valid listen address');
    expect(() => resolveNodeConfig(raw({ listen: '300.1.1.1:7700' }))).not.toThrow(/peer address/);
    expect(() => resolveNodeConfig(raw({ admin: '127.0.0.1' }))).toThrow('--admin "127.0.0.1" is not a valid admin address: no port');
    expect(() => resolveNodeConfig(raw({ peers: '127.0.0.2:1,127.0.0.3' }))).toThrow('--peers "127.0.0.3" is not a valid peer address');
  });

  it('refuses a POOLSHIFT_MODE that is not a mode where it would be read, naming the value', () => {
    expect(() => resolveNodeConfig(raw({ envMode: 'turbo' }))).toThrow('POOLSHIFT_MODE must be one of legacy, shadow, live, unified, got "turbo"');
    expect(() => resolveNodeConfig(raw({ envMode: 'turbo' }))).toThrow(ConfigError);
    // Unused beside --mode or a flag source: not refused; empty is unset; case and spaces as the flag reads them.
    expect(resolveNodeConfig(raw({ envMode: 'turbo', mode: 'shadow' })).mode).toBe('shadow');
    expect(resolveNodeConfig(raw({ envMode: 'turbo', flagFile: '/tmp/flags.json' })).flagSource).toEqual({ kind: 'file', path: '/tmp/flags.json' });
    expect(resolveNodeConfig(raw({ envMode: 'turbo', flagSource: 'flagd:/tmp/flags.flagd.json' })).flagSource?.kind).toBe('flagd');
    for (const envMode of ['', ' Shadow ', 'live']) expect(() => resolveNodeConfig(raw({ envMode }))).not.toThrow();
  });
});

describe('poolshift node configuration: --gate-retry-interval', () => {
  it('asks a refusing gate again every 5 s by default, as often as given otherwise', () => {
    expect(resolveNodeConfig(raw()).gateRetryIntervalMs).toBe(5000);
    expect(NODE_DEFAULTS.gateRetryInterval).toBe('5s');
    expect(resolveNodeConfig(raw({ gateRetryInterval: '250ms' })).gateRetryIntervalMs).toBe(250);
    expect(resolveNodeConfig(raw({ gateRetryInterval: '1m' })).gateRetryIntervalMs).toBe(60_000);
  });

  it('refuses a retry interval that is not a positive duration, naming the option', () => {
    for (const gateRetryInterval of ['0', '-1s', 'soon', '']) {
      expect(() => resolveNodeConfig(raw({ gateRetryInterval }))).toThrow(ConfigError);
      expect(() => resolveNodeConfig(raw({ gateRetryInterval }))).toThrow(/--gate-retry-interval/);
    }
  });
});

describe('poolshift node configuration: --admin-token', () => {
  it('is off by default, and taken as given', () => {
    expect(resolveNodeConfig(raw()).adminToken).toBeUndefined();
    expect(resolveNodeConfig(raw({ adminToken: 's3cr3t-T0ken' })).adminToken).toBe('s3cr3t-T0ken');
  });

  it('refuses an empty token (an unset secret must not mean no authentication), or one with spaces', () => {
    for (const adminToken of ['', ' ', 'two words', 'x'.repeat(1025)]) {
      expect(() => resolveNodeConfig(raw({ adminToken }))).toThrow(/--admin-token/);
    }
  });
});

describe('poolshift node configuration: --max-peers', () => {
  it('defaults to LIMIT_DEFAULTS.maxPeers (50), takes a positive integer, refuses anything else naming the option', () => {
    expect(resolveNodeConfig(raw()).maxPeers).toBe(LIMIT_DEFAULTS.maxPeers);
    expect(resolveNodeConfig(raw({ maxPeers: '3' })).maxPeers).toBe(3);
    for (const maxPeers of ['0', '-1', '2.5', 'many', '']) {
      expect(() => resolveNodeConfig(raw({ maxPeers }))).toThrow(/--max-peers/);
    }
  });
});

describe('poolshift node configuration: --max-inbound-sockets and the descriptor budget', () => {
  it('defaults to LIMIT_DEFAULTS.maxInboundSockets (512), takes a positive integer, refuses anything else naming the option', () => {
    expect(resolveNodeConfig(raw()).maxInboundSockets).toBe(LIMIT_DEFAULTS.maxInboundSockets);
    expect(resolveNodeConfig(raw({ maxInboundSockets: '100' })).maxInboundSockets).toBe(100);
    for (const maxInboundSockets of ['0', '-1', '1.5', 'many', '']) {
      expect(() => resolveNodeConfig(raw({ maxInboundSockets }))).toThrow(/--max-inbound-sockets/);
    }
  });

  it('keeps the reserve (base, admin server, dial concurrency, configured peers) below the soft limit', () => {
    const reserve = BASE_DESCRIPTORS + ADMIN_DEFAULTS.maxConnections + LIMIT_DEFAULTS.dialConcurrency + 3;
    expect(inboundBudget(512, 3, 1024)).toEqual({ cap: 512, configured: 512, softLimit: 1024, reserve });
    expect(inboundBudget(512, 3, 256)).toEqual({ cap: 256 - reserve, configured: 512, softLimit: 256, reserve });
    expect(inboundBudget(512, 3, 64).cap).toBe(1);
    // Where the limit cannot be read, the configured cap is taken as given.
    expect(inboundBudget(512, 3, undefined)).toEqual({ cap: 512, configured: 512, softLimit: undefined, reserve });
  });

  it('reads the soft limit from /proc/self/limits, and nothing from text without one', () => {
    const limits = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n';
    expect(softDescriptorLimit(() => limits)).toBe(1024);
    expect(softDescriptorLimit(() => limits.replace('1024', 'unlimited'))).toBeUndefined();
    expect(softDescriptorLimit(() => 'nothing here')).toBeUndefined();
    expect(
      softDescriptorLimit(() => {
        throw new Error('ENOENT');
      }),
    ).toBeUndefined();
  });
});
