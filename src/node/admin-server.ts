import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { PeerAddress } from '../contract/types.js';
import { bearerMatches, isLoopback } from './admin-auth.js';
import { ADMIN_DEFAULTS } from './config.js';

export interface AdminSource {
  readonly registry: Registry;
  /** `{ status, mode, peers }`; status is 'ok' while running, 'stopping' during shutdown (503). */
  health(): Promise<{ status: 'ok' | 'stopping'; mode: string; peers: number }>;
  /** The shadow report of the dual-mode pool. */
  shadow(): unknown;
}

export interface AdminServerOptions {
  /** When set, every request must carry `Authorization: Bearer <token>` (401 otherwise), /healthz too. */
  readonly token?: string | undefined;
  /** Connections open at once; past it a new one is destroyed on accept. Default 32 (ADMIN_DEFAULTS). */
  readonly maxConnections?: number;
  /** The request's headers must arrive within this; the request within twice this. Default 5 s. */
  readonly headersTimeoutMs?: number;
}

/**
 * The node's admin HTTP server: `/metrics` (Prometheus text, prom-client), `/healthz` and
 * `/shadow` (JSON). Read-only: nothing here changes the node. Plain HTTP: a bind beyond loopback
 * is warned about at start; with a token, every path (even one that does not exist) needs it.
 */
export class AdminServer {
  readonly #source: AdminSource;
  readonly #log: Logger;
  readonly #token: string | undefined;
  readonly #maxConnections: number;
  readonly #headersTimeoutMs: number;
  #server: Server | undefined;

  constructor(source: AdminSource, logger: Logger, options: AdminServerOptions = {}) {
    this.#source = source;
    this.#log = logger.child({ component: 'admin' });
    this.#token = options.token;
    this.#maxConnections = options.maxConnections ?? ADMIN_DEFAULTS.maxConnections;
    this.#headersTimeoutMs = options.headersTimeoutMs ?? ADMIN_DEFAULTS.headersTimeoutMs;
  }

  listen(address: PeerAddress): Promise<PeerAddress> {
    const headersTimeout = this.#headersTimeoutMs;
    const server = createServer(
      {
        headersTimeout,
        requestTimeout: 2 * headersTimeout,
        // Node checks both timeouts on this interval (30 s by default): a deadline of 5 s would
        // otherwise let a slow client hold its connection for up to 35 s.
        connectionsCheckingInterval: Math.min(1000, headersTimeout),
      },
      (req, res) => void this.#handle(req, res),
    );
    // The admin server shares the process's descriptors with the peer listener: bounded too.
    server.maxConnections = this.#maxConnections;
    server.on('drop', (data) => this.#log.debug({ remoteAddress: data?.remoteAddress }, 'admin connection dropped: at maxConnections'));
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        server.on('error', (err) => this.#log.warn({ err }, 'admin server error'));
        const bound = server.address() as AddressInfo;
        if (!isLoopback(bound.address)) this.#warnExposed(bound.address);
        resolve({ host: bound.address, port: bound.port });
      });
    });
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  #warnExposed(address: string): void {
    const authenticated = this.#token !== undefined;
    this.#log.warn(
      { address, authenticated },
      authenticated
        ? 'admin server bound beyond loopback: reachable from the network over plain HTTP (the bearer token travels in clear)'
        : 'admin server bound beyond loopback without authentication: /metrics, /healthz and /shadow are open to the network (set --admin-token or POOLSHIFT_ADMIN_TOKEN)',
    );
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (this.#token !== undefined && !bearerMatches(req.headers.authorization, this.#token)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'cache-control': 'no-store', 'www-authenticate': 'Bearer realm="poolshift-admin"' }).end('unauthorized\n');
      return;
    }
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
      switch (path) {
        case '/metrics':
          return send(res, 200, this.#source.registry.contentType, await this.#source.registry.metrics());
        case '/healthz': {
          const health = await this.#source.health();
          return send(res, health.status === 'ok' ? 200 : 503, 'application/json', `${JSON.stringify(health)}\n`);
        }
        case '/shadow':
          return send(res, 200, 'application/json', `${JSON.stringify(this.#source.shadow(), null, 2)}\n`);
        default:
          return send(res, 404, 'text/plain', 'not found: try /metrics, /healthz, /shadow\n');
      }
    } catch (err) {
      this.#log.warn({ err, path }, 'admin request failed');
      send(res, 500, 'application/json', `${JSON.stringify({ error: (err as Error).message })}\n`);
    }
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}
