import { pino } from 'pino';
import { register as defaultRegistry, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/contract/clock.js';
import { PromotionRefusedError } from '../../src/contract/errors.js';
import { classify, type KeyEvidence, type KeyHint } from '../../src/dual/shadow/divergence.js';
import { RingBuffer } from '../../src/util/ring-buffer.js';
import { formatReport } from '../../src/dual/shadow/report.js';
import { ShadowVerifier } from '../../src/dual/shadow/verifier.js';
import type { PoolSnapshot, SnapshotEntry } from '../../src/contract/types.js';
import { FakeConnection, peerInfo } from './helpers/fake-connection.js';
import { makePool } from './helpers/fixtures.js';
import { captureLogs } from '../helpers/log-capture.js';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function entry(key: string, over: Partial<SnapshotEntry> = {}): SnapshotEntry {
  return { key, info: peerInfo(key), lastSeen: 1000, liveness: 'alive', connectedAt: 0, connected: true, ...over };
}
const ev = (l: SnapshotEntry | undefined, u: SnapshotEntry | undefined, ...hints: KeyHint[]): KeyEvidence => ({ key: 'k', legacy: l, unified: u, hints: new Set(hints) });

describe('classification of the legacy inconsistencies, by rule', () => {
  const lastSeenOnly = entry('k', { info: undefined, connected: false, connectedAt: undefined });
  const phantom = entry('k', { connected: false, connectedAt: undefined });
  const rows: [string, ReturnType<typeof classify>, () => ReturnType<typeof classify>][] = [
    ['L1 peerSeen on an absent key', 'L1', () => classify('missing-in-shadow', ev(lastSeenOnly, undefined))],
    ['L2 phantom peer (info, no connection)', 'L2', () => classify('missing-in-shadow', ev(phantom, undefined))],
    ['L3 lastSeen left by removeDeadConnection', 'L3', () => classify('missing-in-shadow', ev(lastSeenOnly, undefined, 'closed'))],
    ['L4 keep-alive exit wiped the replacement', 'L4', () => classify('extra-in-shadow', ev(undefined, entry('k'), 'replaced'))],
    ['L5 late close removed the replacement', 'L5', () => classify('info-mismatch', ev(lastSeenOnly, entry('k'), 'replaced'))],
    ['L6 deadlocked legacy', 'L6', () => classify('error-mismatch', ev(undefined, undefined), { legacy: { code: 'POOLSHIFT_ERR_LOCK_CANCELED', message: '' } })],
    ['L7 unknown version ignored (both hold)', 'L7', () => classify('info-mismatch', ev(entry('k'), entry('k', { info: peerInfo('k', { version: 'unknown' }) })))],
    ['L7 unknown version ignored (orphan closed)', 'L7', () => classify('missing-in-shadow', ev(entry('k'), undefined, 'version-guard'))],
    ['L4 crossed dial: legacy kept the later connection, unified the other direction', 'L4', () => classify('info-mismatch', ev(entry('k'), entry('k', { info: peerInfo('k', { direction: 'outbound' }) }), 'replaced'))],
    ['a crossed pair with no second connection seen is unexpected', undefined, () => classify('info-mismatch', ev(entry('k'), entry('k', { info: peerInfo('k', { direction: 'outbound' }) })))],
    ['a replacement whose info differs beyond the direction is unexpected', undefined, () => classify('info-mismatch', ev(entry('k'), entry('k', { info: peerInfo('k', { direction: 'outbound', version: '9.9.9' }) }), 'replaced'))],
    ['a dropped peer is unexpected', undefined, () => classify('missing-in-shadow', ev(entry('k'), undefined))],
    ['an extra peer with no history is unexpected', undefined, () => classify('extra-in-shadow', ev(undefined, entry('k')))],
    ['a liveness mismatch with no history is unexpected', undefined, () => classify('liveness-mismatch', ev(entry('k'), entry('k', { liveness: 'stale' })))],
    ['a different error from unified is unexpected', undefined, () => classify('error-mismatch', ev(undefined, undefined), { unified: { code: 'X', message: '' } })],
  ];
  for (const [name, expected, run] of rows) it(name, () => expect(run()).toBe(expected));
});

describe('known differences, found in shadow mode with the real legacy manager', () => {
  it('L1: peerSeen on an absent key', async () => {
    const { pool } = makePool({ mode: 'shadow' });
    await pool.peerSeen('10.0.0.9');
    for (let i = 0; i < 3; i++) pool.checkNow();
    expect(pool.verifier.stats().divergences['missing-in-shadow']).toEqual({ known: 1, unexpected: 0 });
    expect(pool.verifier.stats().byRule).toEqual({ L1: 1 });
    await pool.close();
  });

  it('L3: a dead connection leaves legacy a lastSeen entry', async () => {
    const { pool, add } = makePool({ mode: 'shadow' });
    const conn = await add('10.0.0.1');
    conn.peerClosed();
    await flush();
    for (let i = 0; i < 3; i++) pool.checkNow();
    expect(pool.verifier.stats().byRule).toEqual({ L3: 1 });
    expect(pool.verifier.stats().mismatched).toBe(0);
    await pool.close();
  });

  it('L5: a late close of the replaced connection removes legacy’s replacement', async () => {
    const { pool, add } = makePool({ mode: 'shadow' });
    const first = await add('10.0.0.1');
    const second = await add('10.0.0.1');
    first.peerClosed();
    await flush();
    for (let i = 0; i < 3; i++) pool.checkNow();
    // Seen twice, both known: in the peer sets (snapshot check) and in the event streams (legacy's late close removed the replacement).
    expect(pool.verifier.stats().byRule).toEqual({ L5: 2 });
    const kinds = Object.entries(pool.verifier.samples()).filter(([, s]) => s.length > 0).map(([k]) => k);
    expect(kinds.sort()).toEqual(['event-mismatch', 'missing-in-shadow']);
    expect(pool.verifier.stats().mismatched).toBe(0);
    // Legacy is authoritative in shadow: its L5 takes the replacement's socket down, as in legacy mode.
    expect(second.closedWith).toBe('closed-by-peer');
    await pool.close();
  });

  it('L7: an inbound "unknown" version is not stored by legacy; the orphan is closed', async () => {
    const { pool, add } = makePool({ mode: 'shadow' });
    const known = await add('10.0.0.1', '1.0.0');
    const unknown = await add('10.0.0.1', 'unknown');
    await flush();
    expect(unknown.closedWith).toBe('duplicate');
    expect(known.isOpen).toBe(true);
    for (let i = 0; i < 3; i++) pool.checkNow();
    expect(pool.verifier.stats().byRule).toEqual({ L7: 1 });
    await pool.close();
  });
});

describe('outcome counters, the report and metrics', () => {
  it('counters are disjoint and add up; the report diffs the peer sets', async () => {
    const registry = new Registry();
    const log = captureLogs();
    let coin = 0;
    const { pool, add } = makePool({ mode: 'shadow', registry, logger: log.logger, shadow: { checkRatio: 0.5, random: () => (coin++ % 3 === 0 ? 0.9 : 0.1) } });
    await add('10.0.0.1');
    await add('10.0.0.2');
    await pool.peerSeen('10.0.0.7'); // L1 in legacy
    // An unexpected one: unified silently loses a peer behind the pool's back.
    await pool.manager('unified')!.removeConnectedPeer('10.0.0.2');
    for (let i = 0; i < 6; i++) await pool.getPeerIps();
    for (let i = 0; i < 4; i++) pool.checkNow();
    const s = pool.verifier.stats();
    expect(s.total).toBe(s.matched + s.mismatched + s.ignored + s.errored + s.sampledOut);
    expect(s.sampledOut).toBeGreaterThan(0);
    expect(s.mismatched).toBeGreaterThan(0);
    expect(s.consistencyRate).toBeLessThan(1);
    const report = pool.report();
    expect(report.peerSetDiff).toMatch(/^-10\.0\.0\.2 /m);
    expect(report.peerSetDiff).toMatch(/^-10\.0\.0\.7 /m);
    expect(report.divergences['missing-in-shadow'].known).toBe(1);
    expect(report.samples['missing-in-shadow'].some((d) => d.key === '10.0.0.2' && d.known === undefined)).toBe(true);
    expect(report.samples['missing-in-shadow'].every((d) => d.checkRatio === 1 || d.checkRatio === 0.5)).toBe(true);
    expect(formatReport(report)).toContain('missing-in-shadow: 1 / ');
    const warn = log.find(/shadow divergence \(unexpected\)/);
    expect(warn?.key).toBe('10.0.0.2');
    expect(log.find(/pool mode changed/)).toBeUndefined();
    await pool.setMode('legacy');
    expect(log.find(/pool mode changed: shadow -> legacy/)).toBeDefined();
    const text = await registry.metrics();
    expect(text).toMatch(/poolshift_mode\{mode="legacy"\} 1/);
    expect(text).toMatch(/poolshift_shadow_divergences_total\{kind="missing-in-shadow",class="unexpected"\} [1-9]/);
    expect(text).toMatch(/poolshift_manager_operation_seconds_count\{side="unified",op="getPeerIps"\} [1-9]/);
    expect(text).toMatch(/poolshift_shadow_consistency_ratio 0\.\d+/);
    expect(defaultRegistry.getSingleMetric('poolshift_mode')).toBeUndefined();
    await pool.close();
  });

  it('in legacy: no consistency ratio before a comparison (absent, not 0 %), no peer-set diff; the gate on the report and the metrics', async () => {
    const registry = new Registry();
    const { pool, add, clock } = makePool({ mode: 'legacy', registry, gate: { minChecks: 1, minDurationMs: 1000 } });
    await add('10.0.0.1');
    await add('10.0.0.2');
    await pool.getConnectedPeers();
    pool.checkNow();
    let text = await registry.metrics();
    // An alert on `ratio < 0.999` must not fire on every node in legacy, where nothing is compared.
    expect(text).toContain('# TYPE poolshift_shadow_consistency_ratio gauge');
    expect(text).not.toMatch(/^poolshift_shadow_consistency_ratio /m);
    let report = pool.report();
    expect(report.outcomes.total).toBe(0);
    // Legacy's peers against no unified manager are not a difference.
    expect(report.peerSetDiff).toBe('');
    expect(formatReport(report)).not.toContain('peer sets:');
    expect(report.gate).toMatchObject({ checks: 0, minChecks: 1, minDurationMs: 1000, open: false, lastDecision: null });
    expect(text).toMatch(/^poolshift_gate_checks 0$/m);
    expect(text).toMatch(/^poolshift_gate_min_checks 1$/m);
    expect(text).toMatch(/^poolshift_gate_min_duration_seconds 1$/m);
    expect(text).toMatch(/^poolshift_gate_open 0$/m);
    expect(text).not.toMatch(/^poolshift_gate_last_decision /m);

    await pool.setMode('shadow');
    await pool.getConnectedPeers();
    text = await registry.metrics();
    expect(text).toMatch(/^poolshift_shadow_consistency_ratio 1$/m);
    await expect(pool.setMode('live')).rejects.toBeInstanceOf(PromotionRefusedError);
    clock.advance(400);
    text = await registry.metrics();
    expect(text).toMatch(/^poolshift_gate_checks 1$/m);
    expect(text).toMatch(/^poolshift_gate_held_seconds 0\.4$/m);
    expect(text).toMatch(/^poolshift_gate_last_decision 0$/m);
    expect(text).toMatch(new RegExp(`^poolshift_gate_last_decision_timestamp_seconds ${(clock.now() - 400) / 1000}$`, 'm'));
    expect(pool.report().gate?.lastDecision).toMatchObject({ allowed: false, reason: expect.stringMatching(/held .* for 0 ms, 1000 ms required/) as unknown });
    clock.advance(600);
    expect(await registry.metrics()).toMatch(/^poolshift_gate_open 1$/m);
    await pool.setMode('live');
    text = await registry.metrics();
    expect(text).toMatch(/^poolshift_gate_last_decision 1$/m);
    report = pool.report();
    expect(report.gate?.lastDecision).toMatchObject({ allowed: true, at: clock.now() });
    expect(formatReport(report)).toMatch(/last decision: allowed/);
    await pool.setMode('shadow');
    await pool.setMode('legacy');
    expect(pool.report().peerSetDiff).toBe('');
    await pool.close();
  });

  it('memory stays flat over a million operations: counters and at most N samples per kind', () => {
    const clock = new ManualClock();
    const v = new ShadowVerifier({ samplesPerKind: 16, maxHintedKeys: 1000, checkRatio: 1 }, { clock, logger: pino({ level: 'silent' }) });
    const normalize = (m: Map<string, string>): Map<string, string> => m;
    const evidence = (key: string): KeyEvidence => ({ key, legacy: undefined, unified: undefined, hints: new Set() });
    const footprints: number[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      const key = `k${i}`;
      v.hint(key, 'closed');
      // Every tenth op diverges with a key never seen before.
      const shadow = i % 10 === 0 ? new Map<string, string>() : new Map([[key, 'x']]);
      v.compareRead('getPeer', 'legacy', { ok: true, value: new Map([[key, 'x']]) }, { ok: true, value: shadow }, normalize, evidence);
      if (i === 100_000 || i === 999_999) {
        const f = v.footprint();
        footprints.push(f.samples + f.persisting + f.hintedKeys);
      }
    }
    const s = v.stats();
    expect(s.total).toBe(1_000_000);
    expect(s.divergences['missing-in-shadow'].unexpected).toBe(100_000);
    expect(v.samples()['missing-in-shadow']).toHaveLength(16);
    expect(footprints[1]).toBe(footprints[0]);
    expect(footprints[1]).toBeLessThanOrEqual(16 * 5 + 1000);
  });

  it('the ring buffer keeps the newest items', () => {
    const r = new RingBuffer<number>(3);
    for (let i = 0; i < 10; i++) r.push(i);
    expect(r.toArray()).toEqual([7, 8, 9]);
    expect(r.pushed).toBe(10);
  });

  it('K-consecutive persistence: a flapping difference is not reported', () => {
    const clock = new ManualClock();
    const v = new ShadowVerifier({ persistenceChecks: 3 }, { clock, logger: pino({ level: 'silent' }) });
    const snap = (...keys: string[]): PoolSnapshot => ({ takenAt: 0, entries: keys.map((k) => entry(k)) });
    for (let i = 0; i < 10; i++) v.checkSnapshots(snap('a', 'b'), i % 2 === 0 ? snap('a') : snap('a', 'b'), 'legacy');
    expect(v.stats().divergences['missing-in-shadow'].unexpected).toBe(0);
    for (let i = 0; i < 3; i++) v.checkSnapshots(snap('a', 'b'), snap('a'), 'legacy');
    expect(v.stats().divergences['missing-in-shadow'].unexpected).toBe(1);
    // Reported once per episode, however long it lasts.
    for (let i = 0; i < 5; i++) v.checkSnapshots(snap('a', 'b'), snap('a'), 'legacy');
    expect(v.stats().divergences['missing-in-shadow'].unexpected).toBe(1);
  });

  // Seen in a validation rehearsal: in live, a frozen peer's close waited behind a write stuck on
  // the legacy mirror (L6) for longer than three checks; the mirror had not been told yet.
  it('does not count a key whose close waits to reach the mirror; counts it again once delivered', () => {
    const clock = new ManualClock();
    const v = new ShadowVerifier({ persistenceChecks: 3 }, { clock, logger: pino({ level: 'silent' }) });
    const snap = (...keys: string[]): PoolSnapshot => ({ takenAt: 0, entries: keys.map((k) => entry(k)) });
    let deferred = true;
    for (let i = 0; i < 5; i++) v.checkSnapshots(snap('a'), snap('a', 'b'), 'unified', [], (key) => deferred && key === 'b');
    expect(v.stats().divergences['missing-in-shadow'].unexpected).toBe(0);
    deferred = false;
    for (let i = 0; i < 3; i++) v.checkSnapshots(snap('a'), snap('a', 'b'), 'unified', [], (key) => deferred && key === 'b');
    expect(v.stats().divergences['missing-in-shadow'].unexpected).toBe(1);
  });
});

void FakeConnection;

describe('compareRead', () => {
  const verifier = (): ShadowVerifier => new ShadowVerifier({}, { clock: new ManualClock(), logger: pino({ level: 'silent' }) });
  const none = (key: string): KeyEvidence => ({ key, legacy: undefined, unified: undefined, hints: new Set() });
  const byIp = (infos: { ip: string }[]): Map<string, string> => new Map(infos.map((i) => [i.ip, JSON.stringify(i)]));

  it('matches the same values in the same order without normalizing them', () => {
    const v = verifier();
    const a = peerInfo('10.0.0.1');
    const b = peerInfo('10.0.0.2');
    let normalized = 0;
    const normalize = (infos: { ip: string }[]): Map<string, string> => (normalized++, byIp(infos));
    expect(v.compareRead('getConnectedPeers', 'legacy', { ok: true, value: [a, b] }, { ok: true, value: [a, b] }, normalize, none)).toBe('matched');
    expect(normalized).toBe(0);
    // Another order, or equal copies: the full comparison, which still matches.
    expect(v.compareRead('getConnectedPeers', 'legacy', { ok: true, value: [a, b] }, { ok: true, value: [b, { ...a }] }, normalize, none)).toBe('matched');
    expect(normalized).toBe(2);
  });

  it('still finds a difference the fast path cannot see', () => {
    const v = verifier();
    const a = peerInfo('10.0.0.1');
    const out = v.compareRead('getConnectedPeers', 'legacy', { ok: true, value: [a] }, { ok: true, value: [a, peerInfo('10.0.0.2')] }, byIp, none);
    expect(out).toBe('mismatched');
    expect(v.stats().divergences['extra-in-shadow'].unexpected).toBe(1);
  });

  // Seen in a rehearsal: a live unified manager removed a peer when its ping failed on a socket
  // the node had just terminated; a read made before the close event reached the legacy mirror
  // found the peer there only.
  it('holds a peer-set difference on a key whose socket is closing as in flight, not found; an info difference still counts', () => {
    const v = verifier();
    const a = peerInfo('10.0.0.1');
    const b = peerInfo('10.0.0.2');
    const closing = (key: string): KeyEvidence => ({ ...none(key), closing: key === b.ip });
    expect(v.compareRead('getConnectedPeers', 'unified', { ok: true, value: [a] }, { ok: true, value: [a, b] }, byIp, closing)).toBe('sampled-out');
    expect(v.compareRead('getConnectedPeers', 'unified', { ok: true, value: [a, b] }, { ok: true, value: [a] }, byIp, closing)).toBe('sampled-out');
    expect(v.stats().divergences['extra-in-shadow'].unexpected + v.stats().divergences['missing-in-shadow'].unexpected).toBe(0);
    // The same difference on a key whose socket is open is found.
    expect(v.compareRead('getConnectedPeers', 'unified', { ok: true, value: [a] }, { ok: true, value: [a, b] }, byIp, none)).toBe('mismatched');
    // An info difference is not a matter of who heard of a close first.
    const changed = { ...b, version: '9.9.9' };
    expect(v.compareRead('getConnectedPeers', 'unified', { ok: true, value: [a, b] }, { ok: true, value: [a, changed] }, byIp, closing)).toBe('mismatched');
    expect(v.stats().divergences['info-mismatch'].unexpected).toBe(1);
  });
});

describe('key history', () => {
  // Seen in the mutation suite: a key that had reconnected once kept its 'replaced' and 'closed'
  // hints for good, so a unified reaper that never removed it, 20 s later, read as L4/L5.
  it('explains differences for a bounded time after the last event, longer while a replacement is under way', () => {
    const clock = new ManualClock();
    let replacing = false;
    const v = new ShadowVerifier({ hintTtlMs: 1000 }, { clock, logger: pino({ level: 'silent' }), replacing: () => replacing });
    v.hint('k', 'replaced');
    v.hint('k', 'deadlock');
    clock.advance(1000);
    expect([...v.hintsOf('k')].sort()).toEqual(['deadlock', 'replaced']);
    clock.advance(1);
    expect([...v.hintsOf('k')]).toEqual(['deadlock']);
    expect(classify('extra-in-shadow', { key: 'k', legacy: undefined, unified: entry('k'), hints: new Set(['replaced']) })).toBe('L4');
    replacing = true;
    expect(v.hintsOf('k').has('replaced')).toBe(true);
    replacing = false;
    // A new event after the run ended starts a new run: the old replacement is not carried over.
    v.hint('k', 'closed');
    expect([...v.hintsOf('k')].sort()).toEqual(['closed', 'deadlock']);
    // Within a run, each hint keeps the time it was first given.
    const first = clock.now();
    clock.advance(500);
    v.hint('k', 'replaced');
    clock.advance(500);
    v.hint('k', 'closed');
    expect(v.hintSince('k', 'closed')).toBe(first);
    expect(v.hintSince('k', 'replaced')).toBe(first + 500);
  });
});

describe('a persisting snapshot difference', () => {
  // Seen in a rehearsal: the gate refused at 99.75 % while the report said 0 unexpected: each
  // check of a persisting difference was an outcome, but only its first classification was counted.
  it('keeps its rule while it persists unchanged, and is counted unexpected once it changes shape with no rule to explain it', () => {
    const clock = new ManualClock();
    const v = new ShadowVerifier({ hintTtlMs: 1000, persistenceChecks: 2 }, { clock, logger: pino({ level: 'silent' }) });
    const snap = (entries: SnapshotEntry[]): PoolSnapshot => ({ takenAt: clock.now(), entries });
    v.hint('k', 'replaced');
    const check = (u: SnapshotEntry) => v.checkSnapshots(snap([]), snap([u]), 'legacy');
    // L4: unified holds a peer legacy's keep-alive exit wiped; legacy never gets it back.
    expect([check(entry('k')), check(entry('k'))]).toEqual(['matched', 'ignored']);
    clock.advance(1001); // the key's hints have expired: the same difference, unchanged, is still L4
    expect(check(entry('k'))).toBe('ignored');
    // Now unified holds it stale and unreaped: a new shape, no hint left to explain it.
    expect(check(entry('k', { liveness: 'stale' }))).toBe('mismatched');
    expect(check(entry('k', { liveness: 'stale' }))).toBe('mismatched');
    expect(v.stats().divergences['extra-in-shadow']).toEqual({ known: 1, unexpected: 1 });
    const distinct = v.samples()['extra-in-shadow'];
    expect(distinct.map((d) => [d.known ?? '-', (d as { occurrences?: number }).occurrences])).toEqual([
      ['L4', 2],
      ['-', 2],
    ]);
  });
});
