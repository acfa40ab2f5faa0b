import type { Logger } from 'pino';
import type { Divergence } from './divergence.js';

/** One distinct difference: a kind on a key, however many reads or checks saw it. */
export interface DistinctDivergence extends Divergence {
  /** When it was first and last seen (clock ms). */
  readonly firstAt: number;
  lastAt: number;
  /** How many comparisons saw it. */
  occurrences: number;
}

export interface DivergenceLogOptions {
  /** Distinct differences remembered; the oldest is forgotten first (and counted again if it recurs). Default 10 000. */
  readonly maxDistinct?: number;
  /** Divergence log lines written per window; the rest are counted and summed up in one line. Default 20. */
  readonly logsPerWindow?: number;
  /** The log window, ms. Default 10 000. */
  readonly logWindowMs?: number;
}

const DEFAULTS = { maxDistinct: 10_000, logsPerWindow: 20, logWindowMs: 10_000 } as const;

/**
 * Counts divergences per distinct difference (kind and key), not per comparison: a peer that the
 * mirror missed is one divergence however many reads saw it (a run once counted 1,761 for five
 * stale removals). Writes the log line of a new difference, rate-limited, with a count of the
 * lines it suppressed.
 */
export class DivergenceLog {
  readonly #distinct = new Map<string, DistinctDivergence>();
  readonly #max: number;
  readonly #perWindow: number;
  readonly #windowMs: number;
  readonly #logger: Logger;
  #windowStart = -Infinity;
  #logged = 0;
  #suppressed = 0;
  #suppressedReported = 0;
  #forgotten = 0;

  constructor(logger: Logger, options: DivergenceLogOptions = {}) {
    this.#logger = logger;
    this.#max = options.maxDistinct ?? DEFAULTS.maxDistinct;
    this.#perWindow = options.logsPerWindow ?? DEFAULTS.logsPerWindow;
    this.#windowMs = options.logWindowMs ?? DEFAULTS.logWindowMs;
  }

  /** Records one sighting; returns the distinct difference when it is new (to be counted), else undefined. */
  record(d: Divergence): DistinctDivergence | undefined {
    // The rule is part of the identity: an unexpected difference is never hidden behind a known one on the same key.
    const id = `${d.kind}|${d.key}|${d.known ?? '-'}`;
    const seen = this.#distinct.get(id);
    if (seen) {
      seen.lastAt = d.at;
      seen.occurrences++;
      return undefined;
    }
    if (this.#distinct.size >= this.#max) {
      this.#distinct.delete(this.#distinct.keys().next().value!);
      this.#forgotten++;
    }
    const fresh: DistinctDivergence = { ...d, firstAt: d.at, lastAt: d.at, occurrences: 1 };
    this.#distinct.set(id, fresh);
    this.#write(fresh);
    return fresh;
  }

  /** Distinct differences held now. */
  get size(): number {
    return this.#distinct.size;
  }

  /** Log lines not written because of the rate limit, since the start. */
  get suppressed(): number {
    return this.#suppressed;
  }

  /** Distinct differences forgotten to stay within the bound. */
  get forgotten(): number {
    return this.#forgotten;
  }

  #write(d: DistinctDivergence): void {
    if (d.at - this.#windowStart >= this.#windowMs) {
      if (this.#suppressed > this.#suppressedReported) {
        this.#logger.warn({ suppressed: this.#suppressed - this.#suppressedReported }, 'shadow divergence log lines suppressed (rate limit); counts and /shadow have them all');
        this.#suppressedReported = this.#suppressed;
      }
      this.#windowStart = d.at;
      this.#logged = 0;
    }
    if (this.#logged >= this.#perWindow) {
      this.#suppressed++;
      return;
    }
    this.#logged++;
    const line = { divergence: d.kind, key: d.key, source: d.source, known: d.known ?? null, authoritative: d.authoritative, shadow: d.shadow, checkRatio: d.checkRatio };
    if (d.known) this.#logger.info(line, `shadow divergence (known: ${d.known})`);
    else this.#logger.warn(line, 'shadow divergence (unexpected)');
  }
}
