import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrometheusError } from '../contract/errors.js';

/** The rules file shipped with poolshift (per-node and fleet recordings, alerts). */
export const RULES_FILE = fileURLToPath(new URL('./poolshift.rules.yml', import.meta.url));

/** A `prometheus` binary on this machine (Debian's package), or undefined. */
export function findPrometheus(): string | undefined {
  return ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((p) => existsSync(p));
}

export interface PrometheusServerOptions {
  readonly binary: string;
  /** Loopback host and a fixed port (Prometheus cannot report a port it picked). */
  readonly host: string;
  readonly port: number;
  /** host:port of each node's admin server (its /metrics). */
  readonly targets: readonly string[];
  /** Its config, data and log go here. */
  readonly dir: string;
  readonly job?: string;
  readonly scrapeIntervalMs?: number;
  readonly rulesFile?: string;
  /** Ready within this or the start fails. Default 30 s. */
  readonly readyTimeoutMs?: number;
}

/**
 * A real Prometheus on loopback scraping the nodes' /metrics with poolshift's rules: what the
 * rehearsal and the fleet tests read the fleet gate from, as a team's own Prometheus would be.
 */
export class PrometheusServer {
  readonly url: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #output = '';

  private constructor(url: string, child: ChildProcess) {
    this.url = url;
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stdout?.setEncoding('utf8').on('data', (c: string) => this.#keep(c));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => this.#keep(c));
  }

  static async start(o: PrometheusServerOptions): Promise<PrometheusServer> {
    const interval = `${Math.max(1, Math.round((o.scrapeIntervalMs ?? 1000) / 1000))}s`;
    const config = [
      'global:',
      `  scrape_interval: ${interval}`,
      `  evaluation_interval: ${interval}`,
      `rule_files: [${JSON.stringify(o.rulesFile ?? RULES_FILE)}]`,
      'scrape_configs:',
      `  - job_name: ${JSON.stringify(o.job ?? 'poolshift')}`,
      '    static_configs:',
      `      - targets: [${o.targets.map((t) => JSON.stringify(t)).join(', ')}]`,
      '',
    ].join('\n');
    await mkdir(join(o.dir, 'data'), { recursive: true });
    const file = join(o.dir, 'prometheus.yml');
    await writeFile(file, config);
    const url = `http://${o.host}:${o.port}`;
    const child = spawn(o.binary, [`--config.file=${file}`, `--storage.tsdb.path=${join(o.dir, 'data')}`, `--web.listen-address=${o.host}:${o.port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new PrometheusServer(url, child);
    const failed = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new PrometheusError(url, `exited with ${code} before it was ready: ${server.#output.slice(-500)}`))));
    failed.catch(() => undefined);
    try {
      await Promise.race([server.#ready(o.readyTimeoutMs ?? 30_000), failed]);
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** Stops Prometheus (SIGTERM, SIGKILL after 5 s). Idempotent. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await this.#exited;
    clearTimeout(timer);
  }

  async #ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if ((await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new PrometheusError(this.url, `not ready within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  #keep(chunk: string): void {
    this.#output = (this.#output + chunk).slice(-4000);
  }
}
