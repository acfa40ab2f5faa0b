// The promotion gate alone, on a manual clock: the threshold, the minimum of checks, the time the
// rate must have held (restarted by a dip), what counts as a check, and reset().
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/contract/clock.js';
import { ConfigError } from '../../src/contract/errors.js';
import { GATE_DEFAULTS, PromotionGate } from '../../src/dual/promotion-gate.js';
import type { CheckOutcome } from '../../src/dual/shadow/metrics.js';

function record(gate: PromotionGate, outcome: CheckOutcome, times: number): void {
  for (let i = 0; i < times; i++) gate.record(outcome);
}

describe('PromotionGate', () => {
  it('defaults to GATE_DEFAULTS and refuses settings that cannot work', () => {
    const clock = new ManualClock();
    const gate = new PromotionGate(clock);
    expect(GATE_DEFAULTS).toEqual({ threshold: 0.999, minChecks: 1000, minDurationMs: 3_600_000 });
    expect([gate.threshold, gate.minChecks, gate.minDurationMs]).toEqual([0.999, 1000, 3_600_000]);
    expect(() => new PromotionGate(clock, { threshold: 1.5 })).toThrow(ConfigError);
    expect(() => new PromotionGate(clock, { threshold: Number.NaN })).toThrow(ConfigError);
    expect(() => new PromotionGate(clock, { minChecks: -1 })).toThrow(ConfigError);
    expect(() => new PromotionGate(clock, { minDurationMs: -1 })).toThrow(ConfigError);
  });

  it('refuses until the minimum of checks is made; sampled-out comparisons do not count', () => {
    const gate = new PromotionGate(new ManualClock(), { threshold: 0.5, minChecks: 3, minDurationMs: 0 });
    expect(gate.rate).toBe(1);
    record(gate, 'matched', 2);
    record(gate, 'sampled-out', 5);
    const early = gate.evaluate();
    expect(early).toMatchObject({ allowed: false, checks: 2 });
    expect(early.reason).toMatch(/only 2 checks.*3 required/);
    gate.record('matched');
    expect(gate.evaluate()).toMatchObject({ allowed: true, checks: 3, rate: 1 });
  });

  it('holds the rate against the threshold, at the threshold allowed; ignored and errored agree', () => {
    const gate = new PromotionGate(new ManualClock(), { threshold: 0.75, minChecks: 0, minDurationMs: 0 });
    gate.record('matched');
    gate.record('ignored');
    gate.record('errored');
    gate.record('mismatched');
    expect(gate.rate).toBe(0.75);
    expect(gate.evaluate()).toMatchObject({ allowed: true, rate: 0.75, checks: 4 });
    gate.record('mismatched');
    const below = gate.evaluate();
    expect(below).toMatchObject({ allowed: false, rate: 0.6 });
    expect(below.reason).toMatch(/consistency 60\.000% is below the threshold of 75\.000%/);
  });

  it('refuses until the rate has held for the minimum time, on the clock', () => {
    const clock = new ManualClock();
    const gate = new PromotionGate(clock, { threshold: 0.9, minChecks: 1, minDurationMs: 1000 });
    record(gate, 'matched', 10);
    clock.advance(999);
    const early = gate.evaluate();
    expect(early).toMatchObject({ allowed: false, heldMs: 999 });
    expect(early.reason).toMatch(/held .* for 999 ms, 1000 ms required/);
    clock.advance(1);
    expect(gate.evaluate()).toMatchObject({ allowed: true, heldMs: 1000 });
  });

  it('a dip below the threshold restarts the time held; a mismatch that stays above does not', () => {
    const clock = new ManualClock();
    const gate = new PromotionGate(clock, { threshold: 0.9, minChecks: 1, minDurationMs: 1000 });
    record(gate, 'matched', 19);
    clock.advance(600);
    gate.record('mismatched'); // 19/20 = 0.95: still above, the time held goes on
    expect(gate.evaluate().heldMs).toBe(600);
    clock.advance(100);
    record(gate, 'mismatched', 2); // 19/22 < 0.9: a dip, the time held restarts here
    expect(gate.evaluate()).toMatchObject({ allowed: false, heldMs: 0 });
    record(gate, 'matched', 20); // 39/42 > 0.9 again
    clock.advance(999);
    expect(gate.evaluate()).toMatchObject({ allowed: false, heldMs: 999 });
    clock.advance(1);
    expect(gate.evaluate()).toMatchObject({ allowed: true, heldMs: 1000 });
  });

  it('reset opens a new window: no checks, the time held from now', () => {
    const clock = new ManualClock();
    const gate = new PromotionGate(clock, { threshold: 0.9, minChecks: 5, minDurationMs: 1000 });
    record(gate, 'matched', 5);
    clock.advance(1000);
    expect(gate.evaluate().allowed).toBe(true);
    gate.reset();
    expect(gate.evaluate()).toMatchObject({ allowed: false, checks: 0, heldMs: 0, rate: 1 });
    record(gate, 'matched', 5);
    expect(gate.evaluate()).toMatchObject({ allowed: false, checks: 5, heldMs: 0 });
    clock.advance(1000);
    expect(gate.evaluate().allowed).toBe(true);
  });

  it('status() shows the progress against what it requires; only decide() records the last decision', () => {
    const clock = new ManualClock();
    const gate = new PromotionGate(clock, { threshold: 0.9, minChecks: 5, minDurationMs: 60_000 });
    record(gate, 'matched', 3);
    clock.advance(20_000);
    const before = gate.status();
    expect(before).toMatchObject({ threshold: 0.9, rate: 1, checks: 3, minChecks: 5, heldMs: 20_000, minDurationMs: 60_000, open: false, lastDecision: null });
    expect(before.reason).toMatch(/only 3 checks.*5 required/);
    // A look (the control channel's, a retry's) decides nothing.
    gate.evaluate();
    expect(gate.lastDecision).toBeNull();
    const refused = gate.decide();
    expect(gate.status().lastDecision).toEqual({ ...refused, at: clock.now() });
    record(gate, 'matched', 2);
    clock.advance(40_000);
    expect(gate.status()).toMatchObject({ checks: 5, heldMs: 60_000, open: true, lastDecision: { allowed: false } });
    gate.decide();
    expect(gate.status().lastDecision).toMatchObject({ allowed: true, checks: 5, at: clock.now() });
  });

  it('times in its decisions are whole ms, and read as seconds past 10 s', () => {
    const clock = new ManualClock();
    const gate = new PromotionGate(clock, { threshold: 0.9, minChecks: 1, minDurationMs: 3_600_000 });
    gate.record('matched');
    // The system clock reads performance.now(): fractions of a ms in every difference.
    clock.advance(37_830.465576171875);
    const refused = gate.decide();
    expect(refused.heldMs).toBe(37_830);
    expect(refused.reason).toMatch(/for 37\.8 s, 3600\.0 s required$/);
    expect(gate.status().lastDecision?.at).toBe(Math.round(clock.now()));
    const short = new PromotionGate(clock, { threshold: 0.9, minChecks: 1, minDurationMs: 1000 });
    short.record('matched');
    clock.advance(412.75);
    expect(short.evaluate().reason).toMatch(/for 413 ms, 1000 ms required$/);
  });
});
