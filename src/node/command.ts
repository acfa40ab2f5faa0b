import { Command, Option } from 'commander';
import { ConfigError, PoolshiftError } from '../contract/errors.js';
import { MODE_ENV_VAR } from '../dual/flags/mode-flag-provider.js';
import { POOL_MODES } from '../dual/modes.js';
import { resolveNodeConfig, NODE_DEFAULTS, type RawNodeOptions } from './config.js';
import { attachControlChannel } from './control-channel.js';
import { createNodeLogger } from './logger.js';
import { FAULT_KINDS } from './manager-faults.js';
import { PeerNode } from './peer-node.js';

/** If shutdown has not let the process exit by then, something still holds the event loop. */
const DRAIN_DEADLINE_MS = 5000;

function opt(flags: string, description: string, env: string, defaultValue?: string): Option {
  const o = new Option(flags, description).env(env);
  return defaultValue === undefined ? o : o.default(defaultValue);
}

/** `poolshift node`: one node, as a team runs it in staging. */
export function nodeCommand(): Command {
  const d = NODE_DEFAULTS;
  return new Command('node')
    .description('run one poolshift node: the dual-mode pool behind a flag, with /metrics, /healthz and /shadow on the admin address')
    .addOption(opt('--listen <host:port>', 'address to accept peers on; outbound dials bind to its host', 'POOLSHIFT_LISTEN', d.listen))
    .addOption(opt('--peers <list>', 'comma-separated host:port of peers to dial (and redial while not connected)', 'POOLSHIFT_PEERS', d.peers))
    .addOption(opt('--admin <host:port>', 'address of the admin HTTP server (/metrics, /healthz, /shadow); plain HTTP, warned about beyond loopback', 'POOLSHIFT_ADMIN', d.admin))
    .addOption(opt('--admin-token <token>', 'bearer token every admin request must carry (Authorization: Bearer <token>), /healthz too; prefer the variable: a command line is visible in ps (default: none)', 'POOLSHIFT_ADMIN_TOKEN'))
    .addOption(opt('--network <magic>', 'network magic sent in the handshake; peers of another network are refused', 'POOLSHIFT_NETWORK', d.network))
    .addOption(opt('--node-id <id>', 'this node\'s id in the handshake and the flag file (default: node-<12 hex of a SHA-256 of the host name and --listen>: stable across restarts with the same host and --listen, without the host name in it; logged as "node" on every line)', 'POOLSHIFT_NODE_ID'))
    .addOption(opt('--node-version <version>', 'version announced in the handshake (a node restarted with another one replaces its old connection)', 'POOLSHIFT_NODE_VERSION', d.nodeVersion))
    .addOption(new Option('--mode <mode>', 'fixed pool mode (default: from --flag-file, else POOLSHIFT_MODE, else legacy)').choices(POOL_MODES))
    .addOption(opt('--flag-file <path>', 'JSON flag file, watched: { "mode": "shadow", "nodes": { "<node-id>": "live" } } (default: none)', 'POOLSHIFT_FLAG_FILE'))
    .addOption(opt('--flag-source <source>', 'where the mode flag comes from: file:<path> (as --flag-file), flagd:<path> (a flagd flag definition, evaluated in process with the node id as targeting key and --node-version as "version"; polled every 5 s) or flagd-sync:<host:port> (the same definitions from a flagd daemon\'s sync service) (default: none)', 'POOLSHIFT_FLAG_SOURCE'))
    .addOption(opt('--keep-alive <duration>', 'keep-alive ping interval (ms, or 500ms, 2s, 5m)', 'POOLSHIFT_KEEP_ALIVE', d.keepAlive))
    .addOption(opt('--stale-after <duration>', 'a peer not seen for longer is stale and reaped', 'POOLSHIFT_STALE_AFTER', d.staleAfter))
    .addOption(opt('--reaper-interval <duration>', 'how often the reaper looks for stale peers', 'POOLSHIFT_REAPER_INTERVAL', d.reaperInterval))
    .addOption(opt('--ping-timeout <duration>', 'a keep-alive ping unanswered this long terminates the connection (half-open peer)', 'POOLSHIFT_PING_TIMEOUT', d.pingTimeout))
    .addOption(opt('--dial-timeout <duration>', 'connect and handshake timeout of a dial', 'POOLSHIFT_DIAL_TIMEOUT', d.dialTimeout))
    .addOption(opt('--redial-interval <duration>', 'how often configured peers not connected are dialled again', 'POOLSHIFT_REDIAL_INTERVAL', d.redialInterval))
    .addOption(opt('--shutdown-grace <duration>', 'at shutdown, a peer that has not answered our close frame by then (it stopped reading) has its socket terminated', 'POOLSHIFT_SHUTDOWN_GRACE', d.shutdownGrace))
    .addOption(opt('--max-inbound-sockets <n>', 'peer sockets held at once, before and after the upgrade; past it a new one is destroyed on accept. Lowered to fit the descriptor limit (ulimit -n) minus a reserve for the admin server and dials where it can be read (Linux); elsewhere keep it below that yourself', 'POOLSHIFT_MAX_INBOUND_SOCKETS', d.maxInboundSockets))
    .addOption(opt('--max-peers <n>', 'peers held at once, inbound and outbound, in every mode: an inbound peer past it is refused during its handshake (close 4004 too-many-peers, before our Hello)', 'POOLSHIFT_MAX_PEERS', d.maxPeers))
    .addOption(opt('--snapshot-interval <duration>', 'period of the full shadow comparison of the two managers', 'POOLSHIFT_SNAPSHOT_INTERVAL', d.snapshotInterval))
    .addOption(opt('--check-ratio <0..1>', 'share of reads compared on both managers in shadow and live', 'POOLSHIFT_CHECK_RATIO', d.checkRatio))
    .addOption(opt('--persistence-checks <n>', 'snapshot checks a difference must persist across to be reported', 'POOLSHIFT_PERSISTENCE_CHECKS', d.persistenceChecks))
    .addOption(opt('--gate-threshold <0..1>', 'promotion gate: consistency rate to hold before shadow -> live', 'POOLSHIFT_GATE_THRESHOLD', d.gateThreshold))
    .addOption(opt('--gate-min-checks <n>', 'promotion gate: comparisons required since shadow began', 'POOLSHIFT_GATE_MIN_CHECKS', d.gateMinChecks))
    .addOption(opt('--gate-min-duration <duration>', 'promotion gate: time the rate must have held', 'POOLSHIFT_GATE_MIN_DURATION', d.gateMinDuration))
    .addOption(opt('--gate-retry-interval <duration>', 'promotion gate: while it refuses a promotion the flag asks for, how often it is asked again (the node promotes itself once it opens)', 'POOLSHIFT_GATE_RETRY_INTERVAL', d.gateRetryInterval))
    .addOption(opt('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'POOLSHIFT_LOG_LEVEL', d.logLevel))
    .addOption(opt('--log-format <format>', 'auto (pretty on a terminal, JSON otherwise), pretty or json', 'POOLSHIFT_LOG_FORMAT', d.logFormat))
    .addOption(new Option('--inject-fault <kind>', `testing only: plant a defect in the unified manager (default: none)`).choices([...FAULT_KINDS]))
    .action(async (raw: RawNodeOptions) => {
      let config;
      try {
        config = resolveNodeConfig({ ...raw, envMode: process.env[MODE_ENV_VAR] });
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`poolshift node: ${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw err;
      }
      const log = createNodeLogger({ level: config.logLevel, format: config.logFormat, nodeId: config.nodeId });
      const node = new PeerNode(config, log);
      const control: { detach?: (() => void) | undefined } = {};
      let stopping = false;
      const shutdown = (signal: NodeJS.Signals): void => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, `${signal}: shutting down`);
        void node.stop().then(
          () => {
            control.detach?.();
            process.off('SIGTERM', shutdown).off('SIGINT', shutdown);
            process.exitCode = 0;
            setTimeout(() => {
              log.error('shutdown did not drain the event loop: exiting with 1');
              process.exit(1);
            }, DRAIN_DEADLINE_MS).unref();
          },
          (err: unknown) => {
            log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', shutdown).on('SIGINT', shutdown);
      try {
        await node.start();
      } catch (err) {
        // A cause a person can act on (the address in use or not on this host, a flag file
        // refused) is said in one line with its code; only a bug needs the stack.
        const e = err as NodeJS.ErrnoException;
        if (err instanceof PoolshiftError || typeof e.syscall === 'string') log.fatal({ err: e.message, code: e.code }, 'node failed to start');
        else log.fatal({ err }, 'node failed to start');
        await node.stop().catch(() => undefined);
        process.off('SIGTERM', shutdown).off('SIGINT', shutdown);
        process.exitCode = 1;
        // An abandoned read of a hung mount still holds the event loop: do not wait for it.
        setTimeout(() => process.exit(1), DRAIN_DEADLINE_MS).unref();
        return;
      }
      if (stopping) return;
      control.detach = attachControlChannel(node);
    });
}
