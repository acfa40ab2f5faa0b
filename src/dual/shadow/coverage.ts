/**
 * What a shadow run exercised and compared, so that a pass says what it covers: a run that
 * never saw a stale removal or a replacement has not shown that the new manager handles them.
 * Counted by the verifier as comparisons are made; bounded (one counter per operation name).
 */
export interface Coverage {
  /** Comparisons made per read operation (getPeer, getConnectedPeers, getPeerIps, snapshot, getPoolStats, ...). */
  readonly reads: Readonly<Record<string, number>>;
  /** Comparisons made per write operation (sendToPeer, broadcast, peerSeen, connectToPeer, ...). */
  readonly writes: Readonly<Record<string, number>>;
  /** Events paired or found unpaired across the two managers (peer:connected, peer:disconnected). */
  readonly events: number;
  /** Keys whose `message` deliveries were counted on both managers and compared. */
  readonly messageChecks: number;
  /** Liveness claims checked exactly against the evidence (a frame, a pong, a peerSeen at t). */
  readonly livenessEvidence: number;
  /** Stale removals (reason 'stale') seen and compared. */
  readonly staleRemovals: number;
  /** Connections that replaced another one for the same key, compared afterwards. */
  readonly replacements: number;
  /** Resource checks (listeners, admission slots, entries against the peers held). */
  readonly resourceChecks: number;
  /** Times a stuck legacy mirror (L6 deadlock, or a call that outlived the mirror timeout) was replaced by a fresh one, so comparisons could go on. */
  readonly mirrorResets: number;
  /** Mirror writes not made (so not compared) because the mirror was deadlocked at the time. */
  readonly writesNotCompared: number;
}

/** The coverage names a gate can require, with a minimum each. */
export const COVERAGE_REQUIREMENTS = ['events', 'messageChecks', 'livenessEvidence', 'staleRemovals', 'replacements', 'resourceChecks'] as const;
export type CoverageRequirement = (typeof COVERAGE_REQUIREMENTS)[number];

/** The requirements `coverage` falls short of, as `name: have/need`, in the order given. */
export function missingCoverage(coverage: Coverage, required: Readonly<Partial<Record<CoverageRequirement, number>>>): string[] {
  const missing: string[] = [];
  for (const name of COVERAGE_REQUIREMENTS) {
    const need = required[name];
    if (need !== undefined && coverage[name] < need) missing.push(`${name}: ${coverage[name]}/${need}`);
  }
  return missing;
}

/** What a stuck legacy mirror (deadlocked, L6, or behind by a mirror timeout) kept from being compared, and how often it was replaced. */
export function mirrorResetText(c: Coverage): string {
  return `mirror stuck (L6 deadlock, or behind by a mirror timeout): replaced ${c.mirrorResets} time(s); ${c.writesNotCompared} write(s) not compared meanwhile`;
}

/** A mutable tally behind `Coverage`. */
export class CoverageCounter {
  readonly #reads: Record<string, number> = {};
  readonly #writes: Record<string, number> = {};
  events = 0;
  messageChecks = 0;
  livenessEvidence = 0;
  staleRemovals = 0;
  replacements = 0;
  resourceChecks = 0;
  mirrorResets = 0;
  writesNotCompared = 0;

  read(op: string): void {
    this.#reads[op] = (this.#reads[op] ?? 0) + 1;
  }

  write(op: string): void {
    this.#writes[op] = (this.#writes[op] ?? 0) + 1;
  }

  snapshot(): Coverage {
    return {
      reads: { ...this.#reads },
      writes: { ...this.#writes },
      events: this.events,
      messageChecks: this.messageChecks,
      livenessEvidence: this.livenessEvidence,
      staleRemovals: this.staleRemovals,
      replacements: this.replacements,
      resourceChecks: this.resourceChecks,
      mirrorResets: this.mirrorResets,
      writesNotCompared: this.writesNotCompared,
    };
  }
}
