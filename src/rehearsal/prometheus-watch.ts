import { join } from 'node:path';
import { PrometheusApi } from '../fleet/prometheus-api.js';
import { findPrometheus, PrometheusServer } from '../fleet/prometheus-server.js';

/** What the rehearsal's Prometheus saw, read back through its HTTP API at the end of the run. */
export interface PrometheusView {
  readonly url: string;
  /** Targets scraped successfully at the last scrape, of those configured. */
  readonly up: number;
  readonly targets: number;
  /** Unexpected divergences summed over the nodes, as Prometheus counted them over the run. */
  readonly unexpected: number;
  /** The alerts firing at the end (PoolshiftUnexpectedDivergence, ...). */
  readonly firing: readonly string[];
}

/**
 * A real Prometheus beside a rehearsal, where the machine has one (Debian's `prometheus`):
 * scraping every node's /metrics with poolshift's rules, as a team's would. Without a binary
 * the rehearsal runs as before and says why there is no Prometheus.
 */
export class PrometheusWatch {
  readonly #server: PrometheusServer;
  readonly #targets: number;

  private constructor(server: PrometheusServer, targets: number) {
    this.#server = server;
    this.#targets = targets;
  }

  /** Starts one on `host:port`, or resolves with the reason there is none. */
  static async start(o: { host: string; port: number; targets: readonly string[]; dir: string }): Promise<PrometheusWatch | string> {
    const binary = findPrometheus();
    if (!binary) return 'no prometheus binary (Debian: apt-get install prometheus)';
    const server = await PrometheusServer.start({ binary, host: o.host, port: o.port, targets: o.targets, dir: join(o.dir, 'prometheus'), scrapeIntervalMs: 1000 });
    return new PrometheusWatch(server, o.targets.length);
  }

  get url(): string {
    return this.#server.url;
  }

  /** Reads back what Prometheus recorded of the run; the range covers the whole run. */
  async view(runMs: number): Promise<PrometheusView> {
    const api = new PrometheusApi(this.#server.url);
    const range = `${Math.max(1, Math.ceil(runMs / 1000))}s`;
    const [up, unexpected, alerts] = await Promise.all([
      api.query('up{job="poolshift"}'),
      api.query(`sum(increase(poolshift_shadow_divergences_total{class="unexpected"}[${range}]))`),
      api.query('ALERTS{alertstate="firing"}'),
    ]);
    return {
      url: this.#server.url,
      up: up.filter((s) => s.value === 1).length,
      targets: this.#targets,
      unexpected: Math.round(unexpected[0]?.value ?? 0),
      firing: alerts.map((a) => `${a.labels.alertname ?? '?'}${a.labels.instance ? ` (${a.labels.instance})` : ''}`),
    };
  }

  stop(): Promise<void> {
    return this.#server.stop();
  }
}
