import { parseAddress } from '../contract/address.js';
import { AddressError, ConfigError } from '../contract/errors.js';
import { POOL_MODES, isPoolMode, type PoolMode } from '../dual/modes.js';
import type { PeerAddress } from '../contract/types.js';
import { LIMIT_DEFAULTS } from '../limits/limit-defaults.js';
import { DUAL_DEFAULTS } from '../dual/dual-defaults.js';
import { formatDuration, parseDuration } from './duration.js';
import { FAULT_KINDS, type FaultKind } from './manager-faults.js';
import { parseFlagSource, type FlagSource } from './flag-source.js';
import { defaultNodeId } from './node-id.js';

export type LogFormat = 'auto' | 'pretty' | 'json';

/** Everything a node runs with; `resolveNodeConfig` fills it from the command line and environment. */
export interface NodeConfig {
  readonly listen: PeerAddress;
  readonly peers: readonly PeerAddress[];
  readonly admin: PeerAddress;
  /** The bearer token every admin request must carry; none when absent. */
  readonly adminToken: string | undefined;
  readonly network: string;
  readonly nodeId: string;
  /** The version this node announces in its handshake (a restart with another one is a replacement). */
  readonly nodeVersion: string;
  /** A fixed mode; when absent the mode comes from the flag file or POOLSHIFT_MODE. */
  readonly mode: PoolMode | undefined;
  /** Where the mode flag comes from (--flag-source, or --flag-file as `file:`); POOLSHIFT_MODE when absent. */
  readonly flagSource: FlagSource | undefined;
  readonly keepAliveIntervalMs: number;
  readonly staleAfterMs: number;
  readonly reaperIntervalMs: number;
  readonly pingTimeoutMs: number;
  readonly dialTimeoutMs: number;
  readonly redialIntervalMs: number;
  /** At shutdown, how long a peer has to answer our close frame before its socket is terminated. */
  readonly shutdownGraceMs: number;
  /**
   * The peer listener's cap on inbound sockets (any state) as asked for; the node lowers it to
   * fit the process's descriptor limit where it can read it (node/descriptor-budget.ts).
   */
  readonly maxInboundSockets: number;
  /**
   * Peers held at once, inbound and outbound, in every mode: the listener refuses an inbound peer
   * past it during the handshake (4004 too-many-peers), and the unified manager holds the same limit.
   */
  readonly maxPeers: number;
  readonly snapshotIntervalMs: number;
  readonly checkRatio: number;
  readonly persistenceChecks: number;
  readonly gateThreshold: number;
  readonly gateMinChecks: number;
  readonly gateMinDurationMs: number;
  /** While the gate refuses a promotion the flag asks for, how often it is asked again. */
  readonly gateRetryIntervalMs: number;
  readonly logLevel: string;
  readonly logFormat: LogFormat;
  readonly injectFault: FaultKind | undefined;
}

/** The raw strings, as commander hands them over (each option also reads a POOLSHIFT_* variable). */
export interface RawNodeOptions {
  readonly listen: string;
  readonly peers: string;
  readonly admin: string;
  readonly adminToken?: string;
  readonly network: string;
  readonly nodeId?: string;
  readonly nodeVersion: string;
  readonly mode?: string;
  readonly flagFile?: string;
  readonly flagSource?: string;
  readonly keepAlive: string;
  readonly staleAfter: string;
  readonly reaperInterval: string;
  readonly pingTimeout: string;
  readonly dialTimeout: string;
  readonly redialInterval: string;
  readonly shutdownGrace: string;
  readonly maxInboundSockets: string;
  readonly maxPeers: string;
  readonly snapshotInterval: string;
  readonly checkRatio: string;
  readonly persistenceChecks: string;
  readonly gateThreshold: string;
  readonly gateMinChecks: string;
  readonly gateMinDuration: string;
  readonly gateRetryInterval: string;
  readonly logLevel: string;
  readonly logFormat: string;
  readonly injectFault?: string;
  /** POOLSHIFT_MODE as found in the environment: the mode when neither --mode nor --flag-file is given. */
  readonly envMode?: string;
}

/** One place for the defaults; `--help` shows them. */
export const NODE_DEFAULTS = {
  listen: '127.0.0.1:7700',
  peers: '',
  admin: '127.0.0.1:9700',
  network: 'poolshift',
  nodeVersion: '1.0.0',
  keepAlive: '30s',
  staleAfter: '5m',
  reaperInterval: '30s',
  pingTimeout: '5s',
  dialTimeout: '5s',
  redialInterval: '5s',
  shutdownGrace: '1s',
  maxInboundSockets: String(LIMIT_DEFAULTS.maxInboundSockets),
  maxPeers: String(LIMIT_DEFAULTS.maxPeers),
  snapshotInterval: '10s',
  checkRatio: '1',
  persistenceChecks: '3',
  gateThreshold: '0.999',
  gateMinChecks: '1000',
  gateMinDuration: '1h',
  gateRetryInterval: formatDuration(DUAL_DEFAULTS.gateRetryIntervalMs),
  logLevel: 'info',
  logFormat: 'auto',
} as const satisfies Partial<Record<keyof RawNodeOptions, string>>;

/**
 * The admin server's own limits (node/admin-server.ts). It shares the process's descriptors with
 * the peer listener, so it is capped too: a scraper and a probe or two need a handful of
 * connections, 32 leaves room for several and keeps the admin server's share small (see
 * node/descriptor-budget.ts). Past it a connection is destroyed as it is accepted.
 */
export const ADMIN_DEFAULTS = {
  /** Connections open at once; past it new ones are destroyed on accept. */
  maxConnections: 32,
  /** A request's headers must arrive within this, the whole request within twice this (Node's own: 60 s and 300 s). */
  headersTimeoutMs: 5000,
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * A `host:port`; port 0 (an ephemeral port, for listening addresses) only where `ephemeral`. The
 * error names the option and what the address is for (`listen address`, not a peer's).
 */
function address(field: string, what: string, text: string, ephemeral = false): PeerAddress {
  try {
    const t = text.trim();
    if (ephemeral && t.endsWith(':0')) return { host: parseAddress(`${t.slice(0, -2)}:1`).host, port: 0 };
    return parseAddress(t);
  } catch (err) {
    if (!(err instanceof AddressError)) throw err;
    throw new ConfigError(field, `${JSON.stringify(text)} is not a valid ${what} address: ${err.why}`);
  }
}

function duration(field: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new ConfigError(field, `must be a positive duration (e.g. 500ms, 2s, 5m), got ${JSON.stringify(text)}`);
  return ms;
}

function number(field: string, text: string, min: number, max: number, integer = false): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new ConfigError(field, `must be ${integer ? 'an integer' : 'a number'} within ${min}..${max}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** Validates every field, naming the one that is wrong (as `--option`). */
export function resolveNodeConfig(raw: RawNodeOptions): NodeConfig {
  const listen = address('--listen', 'listen', raw.listen, true);
  const peers = raw.peers
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => address('--peers', 'peer', p));
  const admin = address('--admin', 'admin', raw.admin, true);
  const adminToken = raw.adminToken;
  // An empty token (an unset secret exported as '') must not quietly mean "no authentication".
  if (adminToken !== undefined && !/^[\x21-\x7e]{1,1024}$/.test(adminToken)) {
    throw new ConfigError('--admin-token', 'must be 1..1024 printable characters without spaces (as POOLSHIFT_ADMIN_TOKEN too)');
  }
  if (raw.network.trim() === '') throw new ConfigError('--network', 'must not be empty');
  const nodeVersion = raw.nodeVersion.trim();
  if (nodeVersion === '' || nodeVersion.length > 256) throw new ConfigError('--node-version', `must be 1..256 characters, got ${JSON.stringify(raw.nodeVersion)}`);
  let mode: PoolMode | undefined;
  if (raw.mode !== undefined) {
    const m = raw.mode.trim().toLowerCase();
    if (!isPoolMode(m)) throw new ConfigError('--mode', `must be one of ${POOL_MODES.join(', ')}, got ${JSON.stringify(raw.mode)}`);
    mode = m;
  }
  if (mode !== undefined && raw.flagFile !== undefined) throw new ConfigError('--mode', 'and --flag-file are exclusive: a fixed mode or a flag, not both');
  if (mode !== undefined && raw.flagSource !== undefined) throw new ConfigError('--mode', 'and --flag-source are exclusive: a fixed mode or a flag, not both');
  if (raw.flagFile !== undefined && raw.flagSource !== undefined) throw new ConfigError('--flag-file', 'and --flag-source are exclusive: one flag source');
  const flagSource = raw.flagSource !== undefined ? parseFlagSource(raw.flagSource) : raw.flagFile !== undefined ? { kind: 'file' as const, path: raw.flagFile } : undefined;
  // Read only without --mode and a flag source; refused here, before anything listens, like --mode.
  const envMode = raw.envMode?.trim().toLowerCase();
  if (mode === undefined && flagSource === undefined && envMode && !isPoolMode(envMode)) {
    throw new ConfigError('POOLSHIFT_MODE', `must be one of ${POOL_MODES.join(', ')}, got ${JSON.stringify(raw.envMode)}`);
  }
  // An id given empty (an unset variable exported as '') must not quietly become the default id.
  if (raw.nodeId !== undefined && raw.nodeId.trim() === '') throw new ConfigError('--node-id', 'must not be empty (leave it out for the default id)');
  const keepAliveIntervalMs = duration('--keep-alive', raw.keepAlive);
  const staleAfterMs = duration('--stale-after', raw.staleAfter);
  if (staleAfterMs < keepAliveIntervalMs) throw new ConfigError('--stale-after', `(${raw.staleAfter}) must not be shorter than --keep-alive (${raw.keepAlive})`);
  if (!LOG_LEVELS.includes(raw.logLevel)) throw new ConfigError('--log-level', `must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw.logLevel)}`);
  if (!['auto', 'pretty', 'json'].includes(raw.logFormat)) throw new ConfigError('--log-format', `must be auto, pretty or json, got ${JSON.stringify(raw.logFormat)}`);
  let injectFault: FaultKind | undefined;
  if (raw.injectFault !== undefined) {
    if (!(FAULT_KINDS as readonly string[]).includes(raw.injectFault)) {
      throw new ConfigError('--inject-fault', `must be one of ${FAULT_KINDS.join(', ')}, got ${JSON.stringify(raw.injectFault)}`);
    }
    injectFault = raw.injectFault as FaultKind;
  }
  return {
    listen,
    peers,
    admin,
    adminToken,
    network: raw.network.trim(),
    nodeId: raw.nodeId?.trim() ?? defaultNodeId(listen),
    nodeVersion,
    mode,
    flagSource,
    keepAliveIntervalMs,
    staleAfterMs,
    reaperIntervalMs: duration('--reaper-interval', raw.reaperInterval),
    pingTimeoutMs: duration('--ping-timeout', raw.pingTimeout),
    dialTimeoutMs: duration('--dial-timeout', raw.dialTimeout),
    redialIntervalMs: duration('--redial-interval', raw.redialInterval),
    shutdownGraceMs: duration('--shutdown-grace', raw.shutdownGrace),
    maxInboundSockets: number('--max-inbound-sockets', raw.maxInboundSockets, 1, 1_000_000, true),
    maxPeers: number('--max-peers', raw.maxPeers, 1, 1_000_000, true),
    snapshotIntervalMs: duration('--snapshot-interval', raw.snapshotInterval),
    checkRatio: number('--check-ratio', raw.checkRatio, 0, 1),
    persistenceChecks: number('--persistence-checks', raw.persistenceChecks, 1, 1000, true),
    gateThreshold: number('--gate-threshold', raw.gateThreshold, 0, 1),
    gateMinChecks: number('--gate-min-checks', raw.gateMinChecks, 0, Number.MAX_SAFE_INTEGER, true),
    gateMinDurationMs: raw.gateMinDuration.trim() === '0' ? 0 : duration('--gate-min-duration', raw.gateMinDuration),
    gateRetryIntervalMs: duration('--gate-retry-interval', raw.gateRetryInterval),
    logLevel: raw.logLevel,
    logFormat: raw.logFormat as LogFormat,
    injectFault,
  };
}
