import { MODE_FLAG_KEY } from '../dual/flags/mode-flag-provider.js';
import type { PoolMode } from '../dual/modes.js';

/**
 * A canary roll-out as one flagd definition, rewritten stage by stage: every node in `base`,
 * except the nodes listed per mode (targeted by node id). What a team writes into the file
 * their flagd serves.
 */
export function rolloutDefinition(base: PoolMode, byMode: Partial<Record<PoolMode, readonly string[]>> = {}): string {
  const rules = Object.entries(byMode)
    .filter(([, ids]) => ids.length > 0)
    .flatMap(([mode, ids]) => [{ in: [{ var: 'targetingKey' }, [...ids]] }, mode]);
  const flag = {
    state: 'ENABLED',
    variants: { legacy: 'legacy', shadow: 'shadow', live: 'live', unified: 'unified' },
    defaultVariant: base,
    ...(rules.length > 0 ? { targeting: { if: [...rules, base] } } : {}),
  };
  return `${JSON.stringify({ $schema: 'https://flagd.dev/schema/v0/flags.json', flags: { [MODE_FLAG_KEY]: flag } }, null, 2)}\n`;
}

export interface RolloutOptions {
  readonly nodes: number;
  readonly baseAddress: string;
  readonly port: number;
  readonly adminPort: number;
  /** Prometheus listens on the address after the last node, at this port. */
  readonly prometheusPort: number;
  /** The fleet gate's window between stages (every condition held over it). */
  readonly gateWindowMs: number;
  /** How long a stage may wait for the fleet gate before the roll-out stops there. */
  readonly gateTimeoutMs: number;
  /** Time each stage runs with traffic before the gate is asked. */
  readonly soakMs: number;
  readonly keepAliveMs: number;
  readonly proposalIntervalMs: number;
  /** The fault the canary's bad build carries (planted in its unified manager). */
  readonly canaryFault: string;
  readonly nodeCommand: readonly string[];
  readonly prometheusBinary: string;
  readonly workDir: string;
}

export const ROLLOUT_DEFAULTS = {
  nodes: 6,
  baseAddress: '127.0.97.1',
  port: 7700,
  adminPort: 9700,
  prometheusPort: 9090,
  gateWindowMs: 5000,
  gateTimeoutMs: 30_000,
  soakMs: 4000,
  keepAliveMs: 2000,
  proposalIntervalMs: 100,
  canaryFault: 'drop-peer',
} as const;
