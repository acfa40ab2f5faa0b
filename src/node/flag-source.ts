import type { Logger } from 'pino';
import { parseAddress } from '../contract/address.js';
import { ConfigError } from '../contract/errors.js';
import { EnvFlagProvider } from '../dual/flags/env-flag-provider.js';
import { FileFlagProvider } from '../dual/flags/file-flag-provider.js';
import { FlagdFlagProvider, type FlagdSource } from '../dual/flags/flagd-flag-provider.js';
import type { ModeFlagProvider } from '../dual/flags/mode-flag-provider.js';

/**
 * Where a node's mode flag comes from (`--flag-source`): poolshift's own JSON file, or a flagd
 * flag definition (a file evaluated in process, or a flagd daemon's sync service). With neither,
 * POOLSHIFT_MODE.
 */
export type FlagSource = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'flagd'; readonly source: FlagdSource };

const FORMS = 'file:<path>, flagd:<path> or flagd-sync:<host:port>';

/** Parses `--flag-source`: `file:<path>`, `flagd:<path>`, `flagd-sync:<host:port>`. */
export function parseFlagSource(text: string): FlagSource {
  const t = text.trim();
  const colon = t.indexOf(':');
  const [scheme, rest] = colon < 0 ? [t, ''] : [t.slice(0, colon), t.slice(colon + 1)];
  if (rest === '') throw new ConfigError('--flag-source', `must be ${FORMS}, got ${JSON.stringify(text)}`);
  if (scheme === 'file') return { kind: 'file', path: rest };
  if (scheme === 'flagd') return { kind: 'flagd', source: { file: rest } };
  if (scheme === 'flagd-sync') {
    try {
      const { host, port } = parseAddress(rest);
      return { kind: 'flagd', source: { host, port } };
    } catch (err) {
      throw new ConfigError('--flag-source', `flagd-sync address: ${(err as Error).message}`);
    }
  }
  throw new ConfigError('--flag-source', `must be ${FORMS}, got ${JSON.stringify(text)}`);
}

/** The provider for a node: `nodeId` targets per-node rules and fractional roll-outs, `version` rules on versions. */
export function createFlagProvider(source: FlagSource | undefined, node: { readonly nodeId: string; readonly nodeVersion: string }, logger: Logger): ModeFlagProvider {
  if (source === undefined) return new EnvFlagProvider();
  if (source.kind === 'file') {
    // Overrides for other ids only: a canary elsewhere, or this node's id mistyped; said once per set of ids.
    const onOtherOverrides = (ids: readonly string[]): void =>
      logger.warn({ ids, nodeId: node.nodeId }, `flag file overrides node ids ${ids.map((id) => JSON.stringify(id)).join(', ')}, none of them this node's (${JSON.stringify(node.nodeId)}): its "mode" applies here`);
    return new FileFlagProvider(source.path, { nodeId: node.nodeId, required: true, onOtherOverrides });
  }
  return new FlagdFlagProvider({ source: source.source, targetingKey: node.nodeId, attributes: { version: node.nodeVersion }, logger });
}
