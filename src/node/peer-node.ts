import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { LegacyPeerManager } from '../../legacy/legacy-peer-manager.js';
import { UnifiedPeerManager } from '../../unified/unified-peer-manager.js';
import { formatAddress } from '../contract/address.js';
import { TimerSet, systemClock } from '../contract/clock.js';
import type { Connection, NodeIdentity } from '../contract/connection.js';
import { createDialer } from '../transport/dialer.js';
import { DualModePool } from '../dual/dual-mode-pool.js';
import { authoritativeSide, type PoolMode } from '../dual/modes.js';
import { createFlagProvider } from './flag-source.js';
import { bindModeFlag, initialMode, type ModeFlagBinding } from '../dual/flags/mode-flag-binding.js';
import type { ModeFlagProvider } from '../dual/flags/mode-flag-provider.js';
import type { NetworkMessage } from '../contract/messages.js';
import { PeerListener } from '../transport/peer-listener.js';
import { keyFunction, type PoolOptions } from '../pool/pool-options.js';
import { PeerSlots } from '../limits/peer-slots.js';
import type { PeerAddress, PeerInfo } from '../contract/types.js';
import { AdminServer } from './admin-server.js';
import type { NodeConfig } from './config.js';
import { inboundBudget, softDescriptorLimit } from './descriptor-budget.js';
import { plantFault } from './manager-faults.js';
import { ObservedConnection } from './observed-connection.js';
import { wholeMs } from '../util/readable-duration.js';

/** The version a node announces unless `--node-version` says otherwise. */
export const NODE_VERSION = '1.0.0';

export interface PeerNodeEvents {
  /** A message was flushed to the peer at `to` (its IP). */
  sent: [message: NetworkMessage, to: string];
  /** A message arrived from the peer keyed `from`, through the authoritative manager. */
  received: [message: NetworkMessage, from: string];
  peer: [change: { kind: 'connected' | 'disconnected'; key: string; reason?: string }];
}

/**
 * One poolshift node as a team runs it in staging: a listener and a dialer on the node's own
 * address, a DualModePool whose mode follows a flag, a redial loop for the configured peers,
 * and the admin server. `stop()` says goodbye to every peer and clears every timer.
 */
export class PeerNode extends EventEmitter<PeerNodeEvents> {
  readonly config: NodeConfig;
  readonly registry = new Registry();
  readonly #log: Logger;
  readonly #timers = new TimerSet(systemClock);
  readonly #dialing = new Set<string>();
  /** Every connection handed to the pool and not yet closed: what stop() waits for, then terminates. */
  readonly #connections = new Set<Connection>();
  #drained: (() => void) | undefined;
  #pool: DualModePool | undefined;
  #listener: PeerListener | undefined;
  #admin: AdminServer | undefined;
  #provider: ModeFlagProvider | undefined;
  #binding: ModeFlagBinding | undefined;
  #listenAddress: PeerAddress | undefined;
  #adminAddress: PeerAddress | undefined;
  #stopping = false;
  #halfOpen: Counter | undefined;
  /** The node's own keys (the pool's default keyBy): which peer a handshake would be. */
  readonly #keyOf = keyFunction();
  /**
   * maxPeers in every mode, decided by the listener during the handshake: the peers the
   * authoritative manager holds plus those admitted and not yet added.
   */
  readonly #slots: PeerSlots;

  constructor(config: NodeConfig, logger: Logger) {
    super();
    this.config = config;
    this.#log = logger;
    this.#slots = new PeerSlots({ maxPeers: config.maxPeers, held: () => this.#held(), holds: (info) => this.#holds(info) });
  }

  /** Admission by the peer limit so far: refusals and handshakes admitted whose add has not settled. */
  get peerSlots(): { readonly maxPeers: number; readonly reserved: number; readonly refused: number } {
    return { maxPeers: this.#slots.maxPeers, reserved: this.#slots.reserved, refused: this.#slots.refused };
  }

  get pool(): DualModePool {
    if (!this.#pool) throw new Error('node not started');
    return this.#pool;
  }

  get mode(): PoolMode | undefined {
    return this.#pool?.mode;
  }

  get listenAddress(): PeerAddress | undefined {
    return this.#listenAddress;
  }

  get adminAddress(): PeerAddress | undefined {
    return this.#adminAddress;
  }

  async start(): Promise<void> {
    const c = this.config;
    const log = this.#log;
    collectDefaultMetrics({ register: this.registry });
    this.#halfOpen = new Counter({ name: 'poolshift_node_half_open_terminated_total', help: 'Connections terminated because a keep-alive ping went unanswered', registers: [this.registry] });
    // Which node a scrape target is: the fleet gate names nodes by id, Prometheus knows them by address.
    new Gauge({ name: 'poolshift_node_info', help: 'Always 1; the node id and version as labels', labelNames: ['node_id', 'version'], registers: [this.registry] }).set({ node_id: c.nodeId, version: c.nodeVersion }, 1);
    const connection = { pingTimeoutMs: c.pingTimeoutMs, logger: log };
    // The listener's share of the descriptors, so that with it full the admin server and the dials still have theirs.
    const budget = inboundBudget(c.maxInboundSockets, c.peers.length, softDescriptorLimit());
    if (budget.cap < budget.configured) log.warn(budget, `--max-inbound-sockets lowered to ${budget.cap}: the descriptor limit is ${String(budget.softLimit)}, ${budget.reserve} kept for the admin server, dials and the process`);
    else log.info(budget, 'inbound sockets capped');
    const listener = new PeerListener({
      host: c.listen.host,
      port: c.listen.port,
      identity: this.#identity(c.listen.port),
      logger: log,
      connection,
      admission: {
        maxInboundSockets: budget.cap,
        // Before the pool exists nothing is held; a peer then is refused by nothing here, as before.
        admit: (info) => (this.#pool ? this.#slots.admit(info) : undefined),
      },
    });
    this.#listener = listener;
    this.#listenAddress = await listener.listen();
    const identity = this.#identity(this.#listenAddress.port);
    const dial = createDialer({ identity, localAddress: c.listen.host, timeoutMs: c.dialTimeoutMs, logger: log, connection });

    this.#provider = c.mode !== undefined ? undefined : createFlagProvider(c.flagSource, c, log);
    const mode = c.mode ?? (await initialMode(this.#provider!, log, { strict: true }));
    if (c.mode !== undefined) log.info({ mode }, `mode fixed by --mode: ${mode}`);
    // Stopped (SIGTERM) while the flag was read: build nothing that stop() would not clear.
    if (this.#stopping) return;

    const fault = c.injectFault;
    if (fault) log.warn({ fault }, `fault injected in the unified manager: ${fault} (testing only)`);
    const pool = new DualModePool({
      identity,
      logger: log,
      mode,
      registry: this.registry,
      publicIp: c.listen.host,
      // Unified's own admission holds the listener's limit: in shadow it refuses what legacy, gated by the listener, never took.
      limits: { maxPeers: c.maxPeers },
      keepAliveIntervalMs: c.keepAliveIntervalMs,
      staleAfterMs: c.staleAfterMs,
      reaperIntervalMs: c.reaperIntervalMs,
      dialer: async (address) => {
        const { connection: conn, info } = await dial(address);
        return { connection: this.#observe(conn), info };
      },
      shadow: { snapshotIntervalMs: c.snapshotIntervalMs, checkRatio: c.checkRatio, persistenceChecks: c.persistenceChecks },
      gate: { threshold: c.gateThreshold, minChecks: c.gateMinChecks, minDurationMs: c.gateMinDurationMs },
      ...(fault
        ? {
            createManager: (side: string, options: PoolOptions) =>
              side === 'unified' ? plantFault(new UnifiedPeerManager(options), fault) : new LegacyPeerManager(options),
          }
        : {}),
    });
    this.#pool = pool;
    const peers: Gauge = new Gauge({
      name: 'poolshift_node_peers',
      help: 'Peers the authoritative manager holds',
      registers: [this.registry],
      collect: (): void => peers.set(pool.getPoolStats().total),
    });
    pool.on('peer:connected', ({ key }) => {
      log.info({ peer: key }, 'peer connected');
      this.emit('peer', { kind: 'connected', key });
    });
    pool.on('peer:disconnected', ({ key, reason }) => {
      log.info({ peer: key, reason }, 'peer disconnected');
      this.emit('peer', { kind: 'disconnected', key, reason });
    });
    pool.on('message', ({ key, message }) => this.emit('received', message, key));
    listener.on('peer', (conn, info) => {
      if (this.#stopping) {
        this.#slots.release(info);
        return conn.close('shutdown');
      }
      const observed = this.#observe(conn);
      pool
        .addConnectedPeer(observed, info)
        .catch((err: unknown) => {
          log.warn({ peer: info.ip, err: (err as Error).message }, 'inbound peer not added');
          observed.close('removed');
        })
        // Held now (counted by the pool) or not taken: the slot admitted during the handshake is given back.
        .finally(() => this.#slots.release(info));
    });
    pool.start();
    if (this.#provider) {
      this.#binding = bindModeFlag(pool, this.#provider, log, { clock: systemClock, gateRetryIntervalMs: c.gateRetryIntervalMs });
      await this.#binding.ready;
    }

    this.#admin = new AdminServer(
      {
        registry: this.registry,
        health: async () => ({ status: this.#stopping ? 'stopping' : 'ok', mode: pool.mode, peers: this.#stopping ? 0 : (await pool.getConnectedPeers()).length }),
        shadow: () => ({ ...pool.report(), waiting: this.#waiting() }),
      },
      log,
      { token: c.adminToken },
    );
    this.#adminAddress = await this.#admin.listen(c.admin);
    this.#redial();
    if (c.peers.length > 0) this.#timers.interval(() => this.#redial(), c.redialIntervalMs);
    log.info(
      { listen: formatAddress(this.#listenAddress), admin: formatAddress(this.#adminAddress), mode: pool.mode, peers: c.peers.map(formatAddress), network: c.network },
      'node started',
    );
  }

  /** Goodbye to every peer (close reason `shutdown`), every timer and watcher cleared. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#timers.clearAll();
    await this.#binding?.close();
    await this.#provider?.close();
    await this.#listener?.close();
    this.#slots.clear();
    await this.#pool?.close();
    await this.#endConnections();
    await this.#admin?.close();
    this.removeAllListeners();
    this.#log.info('node stopped');
  }

  /**
   * For /shadow: the flag asks for a mode the gate refused, and the node stays where it is until
   * the gate opens (the binding asks it again) or the flag changes; null otherwise.
   */
  #waiting(): { requested: string; mode: string; reason: string; since: string; waitedMs: number } | null {
    const w = this.#binding?.waiting;
    if (!w) return null;
    // The system clock reads on the epoch scale: `since` as a date a person reads.
    return { requested: w.requested, mode: w.mode, reason: w.reason, since: new Date(w.since).toISOString(), waitedMs: wholeMs(systemClock.now() - w.since) };
  }

  /** Peers the authoritative manager holds (its connections), read synchronously at each handshake. */
  #held(): number {
    const pool = this.#pool;
    if (!pool || this.#stopping) return 0;
    return pool.manager(authoritativeSide(pool.mode))?.getPoolStats().total ?? 0;
  }

  /** Whether the authoritative manager holds a connection for the peer's key (a reconnect or replacement takes no new slot). */
  #holds(info: PeerInfo): boolean {
    const pool = this.#pool;
    if (!pool) return false;
    const key = this.#keyOf(info);
    return pool.manager(authoritativeSide(pool.mode))?.snapshot().entries.some((e) => e.key === key && e.connected) ?? false;
  }

  #identity(listenPort: number): NodeIdentity {
    return { network: this.config.network, nodeId: this.config.nodeId, version: this.config.nodeVersion, listenPort };
  }

  /**
   * The pool has said goodbye (close frames sent); a peer that does not answer its close frame
   * within shutdownGraceMs (it stopped reading) has its socket terminated, so the process exits.
   */
  async #endConnections(): Promise<void> {
    if (this.#connections.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = this.#timers.timeout(() => {
        this.#drained = undefined;
        this.#log.warn({ peers: [...this.#connections].map((c) => c.remoteIp) }, 'closing handshake not completed within the shutdown grace: terminating');
        for (const c of this.#connections) c.terminate();
        resolve();
      }, this.config.shutdownGraceMs);
      this.#drained = () => {
        this.#timers.clear(timer);
        resolve();
      };
    });
    this.#drained = undefined;
  }

  #observe(conn: Connection): Connection {
    const observed = new ObservedConnection(conn, {
      sent: (_c, message) => this.emit('sent', message, conn.remoteIp),
      halfOpen: (_c, err) => {
        this.#halfOpen?.inc();
        this.#log.warn({ peer: conn.remoteIp, err: err.message }, 'keep-alive ping unanswered: half-open connection terminated');
      },
      closed: (c) => {
        this.#connections.delete(c);
        if (this.#connections.size === 0) this.#drained?.();
      },
    });
    this.#connections.add(observed);
    return observed;
  }

  /** Dials every configured peer the pool does not hold, one dial in flight per peer. */
  #redial(): void {
    const pool = this.#pool;
    if (!pool || this.#stopping) return;
    for (const peer of this.config.peers) {
      const text = formatAddress(peer);
      if (peer.host === this.config.listen.host || this.#dialing.has(text)) continue;
      this.#dialing.add(text);
      void (async () => {
        try {
          if (await pool.getPeer(peer.host)) return;
          if (this.#stopping) return;
          await pool.connectToPeer(peer);
        } catch (err) {
          if (!this.#stopping) this.#log.debug({ peer: text, err: (err as Error).message }, 'dial failed; will retry');
        } finally {
          this.#dialing.delete(text);
        }
      })();
    }
  }
}
