// `poolshift gate` against a real Prometheus (Debian's binary) scraping scrape targets on loopback.
// The targets are stand-ins for nodes: HTTP servers exposing, through prom-client, the series a
// node exposes, set by the test, so that each condition of the gate can be broken on one node.
// (Real nodes behind a real Prometheus: the rehearsal.)
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counter, Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPrometheus, PrometheusServer } from '../../src/fleet/prometheus-server.js';
import { CHECK_OUTCOMES, ShadowMetrics } from '../../src/dual/shadow/metrics.js';
import { PrometheusApi } from '../../src/fleet/prometheus-api.js';
import { CLI } from '../node/helpers/node-child.js';
import { waitFor } from '../helpers/wait.js';

const BINARY = findPrometheus();
const skip = BINARY === undefined ? " (skipped: no prometheus binary; Debian's prometheus package has it, .ci/run installs it)" : '';
const HOST = '127.0.141.1';

/** A scrape target exposing what a node exposes: its mode, consistency, divergences, checks, coverage, id. */
class FakeNodeTarget {
  readonly registry = new Registry();
  readonly mode = new Gauge({ name: 'poolshift_mode', help: 'mode', labelNames: ['mode'], registers: [this.registry] });
  readonly ratio = new Gauge({ name: 'poolshift_shadow_consistency_ratio', help: 'ratio', registers: [this.registry] });
  readonly divergences = new Counter({ name: 'poolshift_shadow_divergences_total', help: 'd', labelNames: ['kind', 'class'], registers: [this.registry] });
  readonly checks = new Counter({ name: 'poolshift_shadow_checks_total', help: 'c', labelNames: ['outcome'], registers: [this.registry] });
  readonly coverage = new Gauge({ name: 'poolshift_shadow_coverage', help: 'c', labelNames: ['what'], registers: [this.registry] });
  readonly server: Server;

  constructor(readonly id: string, readonly port: number) {
    new Gauge({ name: 'poolshift_node_info', help: 'i', labelNames: ['node_id', 'version'], registers: [this.registry] }).set({ node_id: id, version: '1.0.0' }, 1);
    this.setMode('shadow');
    this.ratio.set(1);
    this.divergences.inc({ kind: 'missing-in-shadow', class: 'unexpected' }, 0);
    // Every outcome exposed from the start at 0, as ShadowMetrics does (a series born at 2,000 has no increase).
    for (const outcome of CHECK_OUTCOMES) this.checks.inc({ outcome }, 0);
    this.checks.inc({ outcome: 'matched' }, 5000);
    this.coverage.set({ what: 'staleRemovals' }, 2);
    this.server = createServer((_req, res) => {
      void this.registry.metrics().then((text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text));
    });
  }

  get address(): string {
    return `${HOST}:${this.port}`;
  }

  setMode(mode: string): void {
    for (const m of ['legacy', 'shadow', 'live', 'unified']) this.mode.set({ mode: m }, m === mode ? 1 : 0);
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.port, HOST, resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

function gate(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'gate', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.once('exit', (code) => resolve({ code, out, err }));
  });
}

describe('what a node exposes for the fleet gate', () => {
  it('every comparison outcome and divergence class from the start, at 0: a counter first seen at a burst shows no increase', async () => {
    const registry = new Registry();
    new ShadowMetrics(registry);
    const text = await registry.metrics();
    for (const outcome of CHECK_OUTCOMES) expect(text).toContain(`poolshift_shadow_checks_total{outcome="${outcome}"} 0`);
    expect(text).toContain('poolshift_shadow_divergences_total{kind="missing-in-shadow",class="unexpected"} 0');
  });
});

describe(`poolshift gate --prometheus${skip}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'poolshift-fleet-gate-'));
  const nodes = [new FakeNodeTarget('n1', 19711), new FakeNodeTarget('n2', 19712), new FakeNodeTarget('n3', 19713)];
  let prometheus: PrometheusServer | undefined;
  let url = '';
  // Long enough that a change made before the gate's own start-up (a second or two) is still inside it.
  const WINDOW = ['--window', '15s', '--min-checks', '1000'];

  /** Waits until Prometheus has scraped what the targets expose now, twice, for each node. */
  async function scraped(): Promise<void> {
    const api = new PrometheusApi(url);
    const since = Date.now() / 1000;
    await waitFor(async () => (await api.query('timestamp(up{job="poolshift"})')).filter((s) => s.value > since + 1).length === nodes.length, 'two fresh scrapes of every target', 20_000);
  }

  // A node compares all the time: 100 agreeing comparisons every 250 ms on each target.
  let comparing: NodeJS.Timeout | undefined;
  beforeAll(async () => {
    if (!BINARY) return;
    comparing = setInterval(() => {
      for (const n of nodes) n.checks.inc({ outcome: 'matched' }, 100);
    }, 250);
    await Promise.all(nodes.map((n) => n.listen()));
    prometheus = await PrometheusServer.start({ binary: BINARY, host: HOST, port: 19790, targets: nodes.map((n) => n.address), dir, scrapeIntervalMs: 1000 });
    url = prometheus.url;
    // The window must be covered by samples: wait out one window of scrapes.
    await new Promise((r) => setTimeout(r, 16_000));
    await scraped();
  }, 60_000);

  afterAll(async () => {
    clearInterval(comparing);
    await prometheus?.stop();
    await Promise.all(nodes.map((n) => n.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!BINARY)('opens when every node holds every condition, and holds naming each node and its reason once one breaks them', async () => {
    const open = await gate(['--prometheus', url, ...WINDOW, '--expect-nodes', '3', '--require-coverage', 'staleRemovals=1']);
    expect(open.out, open.err).toMatch(/fleet gate to live: open \(3 node\(s\), window 15s\)/);
    expect(open.code).toBe(0);

    nodes[1]!.divergences.inc({ kind: 'missing-in-shadow', class: 'unexpected' });
    // A burst of disagreeing comparisons: 6,000 agree in the window, 2,000 do not.
    nodes[2]!.checks.inc({ outcome: 'mismatched' }, 2000);
    nodes[0]!.coverage.set({ what: 'staleRemovals' }, 0);
    await scraped();
    const held = await gate(['--prometheus', url, ...WINDOW, '--require-coverage', 'staleRemovals=1', '--expect-nodes', '4']);
    expect(held.code, held.out + held.err).toBe(1);
    expect(held.out).toMatch(/held \(3 of 3 node\(s\) hold it back/);
    expect(held.out).toMatch(/fleet: 3 node\(s\) reporting, 4 expected/);
    expect(held.out).toMatch(/n1 \(127\.0\.141\.1:19711\): coverage staleRemovals: 0\/1/);
    expect(held.out).toMatch(/n2 \(127\.0\.141\.1:19712\): 1 unexpected divergence\(s\) in the last 15s/);
    expect(held.out).toMatch(/n3 \(127\.0\.141\.1:19713\): consistency 0\.[6-8]\d+ in the last 15s, under 0\.999/);
  }, 60_000);

  it.skipIf(!BINARY)('holds on a node in legacy, and on a node that stops reporting; --json carries the same verdict', async () => {
    nodes[0]!.coverage.set({ what: 'staleRemovals' }, 1);
    nodes[0]!.setMode('legacy');
    await nodes[2]!.close();
    await new Promise((r) => setTimeout(r, 2500));
    const held = await gate(['--prometheus', url, ...WINDOW, '--json']);
    expect(held.code).toBe(1);
    const verdict = JSON.parse(held.out) as { open: boolean; nodes: { nodeId: string; holds: string[] }[] };
    expect(verdict.open).toBe(false);
    const holds = Object.fromEntries(verdict.nodes.map((n) => [n.nodeId ?? 'unknown', n.holds.join('; ')]));
    expect(holds.n1).toMatch(/in legacy, not shadow or live/);
    expect(Object.values(holds).join('\n')).toMatch(/not reporting \(its last scrape failed\)/);
  }, 60_000);

  it.skipIf(!BINARY)('a Prometheus it cannot reach holds (exit 1, saying so); a usage mistake exits 2 naming the option', async () => {
    const unreachable = await gate(['--prometheus', 'http://127.0.141.2:1', ...WINDOW]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toMatch(/held: Prometheus at http:\/\/127\.0\.141\.2:1: unreachable/);
    const stage = await gate(['--prometheus', url, '--stage', 'turbo']);
    expect(stage.code).toBe(2);
    expect(stage.err).toMatch(/--stage must be one of live, unified, got "turbo"/);
    const coverage = await gate(['--prometheus', url, '--require-coverage', 'stale=1']);
    expect(coverage.code).toBe(2);
    expect(coverage.err).toContain('--require-coverage');
  }, 60_000);
});
