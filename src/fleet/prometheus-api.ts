import { PrometheusError } from '../contract/errors.js';

/** One series of an instant vector: its labels and its value at the query's time. */
export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PrometheusApiOptions {
  /** A query not answered within this fails (a hung Prometheus must not hang a deploy pipeline). Default 10 s. */
  readonly timeoutMs?: number;
  /** A bearer token, for a Prometheus behind an authenticating proxy. */
  readonly bearerToken?: string;
}

interface QueryResponse {
  readonly status: 'success' | 'error';
  readonly error?: string;
  readonly data?: { readonly resultType: string; readonly result: readonly { metric: Record<string, string>; value: [number, string] }[] };
}

/**
 * The part of Prometheus's HTTP API the fleet gate reads: instant queries
 * (GET /api/v1/query). A team's own Prometheus, or one the rehearsal started: nothing else is
 * assumed. Plain `fetch`: one endpoint, one JSON shape, no client library needed.
 */
export class PrometheusApi {
  readonly #base: string;
  readonly #timeoutMs: number;
  readonly #headers: Record<string, string>;

  constructor(
    readonly url: string,
    options: PrometheusApiOptions = {},
  ) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new PrometheusError(url, 'not a URL (e.g. http://127.0.0.1:9090)');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new PrometheusError(url, 'must be an http:// or https:// URL');
    this.#base = parsed.href.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#headers = options.bearerToken ? { authorization: `Bearer ${options.bearerToken}` } : {};
  }

  /** An instant query's vector; a scalar or matrix answer is an error (the gate asks for vectors only). */
  async query(promql: string, at?: Date): Promise<Sample[]> {
    const params = new URLSearchParams({ query: promql });
    if (at) params.set('time', String(at.getTime() / 1000));
    let response: Response;
    try {
      response = await fetch(`${this.#base}/api/v1/query?${params}`, { headers: this.#headers, signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new PrometheusError(this.url, `unreachable (${cause})`);
    }
    let body: QueryResponse;
    try {
      body = (await response.json()) as QueryResponse;
    } catch {
      throw new PrometheusError(this.url, `HTTP ${response.status}, not a Prometheus API answer`);
    }
    if (body.status !== 'success' || !body.data) throw new PrometheusError(this.url, `query refused: ${body.error ?? `HTTP ${response.status}`} (${promql})`);
    if (body.data.resultType !== 'vector') throw new PrometheusError(this.url, `expected a vector, got ${body.data.resultType} (${promql})`);
    return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  }
}
