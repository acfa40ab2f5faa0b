import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/contract/errors.js';
import { NODE_DEFAULTS, resolveNodeConfig, type RawNodeOptions } from '../../src/node/config.js';

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
