// `poolshift rehearse-rollout`: real node processes on a flagd definition, a real Prometheus
// (Debian's binary) scraping them, the fleet gate between stages. On 127.0.143.x.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPrometheus } from '../../src/fleet/prometheus-server.js';
import type { RolloutResult } from '../../src/rehearsal/rollout.js';
import { MODE_COLORS } from '../../src/rehearsal/rollout-report.js';
import { CLI } from '../node/helpers/node-child.js';

const BINARY = findPrometheus();
const skip = BINARY === undefined ? " (skipped: no prometheus binary; Debian's prometheus package has it, .ci/run installs it)" : '';
const dir = mkdtempSync(join(tmpdir(), 'poolshift-rollout-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'rehearse-rollout', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.once('exit', (code) => resolve({ code, out }));
  });
}

describe(`poolshift rehearse-rollout${skip}`, () => {
  it.skipIf(!BINARY)('walks canary -> half -> all on one flagd definition, the gate between each; the bad canary is held, named, and rolled back', async () => {
    const json = join(dir, 'rollout.json');
    const html = join(dir, 'rollout.html');
    const { code, out } = await run(['--nodes', '3', '--base-address', '127.0.143.1', '--prometheus-port', '19391', '--soak', '2s', '--gate-window', '4s', '--json', json, '--html', html, '--work-dir', join(dir, 'work')]);
    const r = JSON.parse(readFileSync(json, 'utf8')) as RolloutResult;
    expect(r.reasons, out).toEqual([]);
    expect(r.verdict).toBe('pass');
    expect(code).toBe(0);
    expect(r.stages.map((s) => s.name)).toEqual(['all shadow', 'canary live', 'n1 rolled back', 'canary live again', 'half live', 'all live']);
    expect(r.stages.find((s) => s.name === 'half live')!.live).toEqual(['n1', 'n2']);
    // The bad build was held by the gate, which named the canary and its unexpected divergences.
    const held = r.gate.find((g) => g.before === 'bad canary' && !g.open && g.heldBy.some((h) => /^n1: .*unexpected divergence/.test(h)));
    expect(held, out).toBeDefined();
    expect(r.rollback?.heldAt).not.toBeNull();
    // Each widening came after an open gate.
    for (const next of ['canary live', 'half live', 'all live']) expect(r.gate.some((g) => g.before === next && g.open), next).toBe(true);
    // Lanes: the canary went live, back to legacy, and live again; everyone ends live.
    const n1 = r.lanes.n1!.map((s) => s.mode);
    expect(n1.indexOf('legacy', n1.indexOf('live'))).toBeGreaterThan(n1.indexOf('live'));
    for (const lane of Object.values(r.lanes)) expect(lane.at(-1)!.mode).toBe('live');
    const page = readFileSync(html, 'utf8');
    expect(page.match(/<rect class="mode-/g)!.length).toBeGreaterThanOrEqual(r.nodes.length * 3);
    expect(page).toContain(`fill="${MODE_COLORS.live}"`);
    expect(page.match(/class="gate-held"/g)!.length).toBeGreaterThan(0);
    expect(out).toMatch(/fleet gate before bad canary: held by .*n1: /);
  }, 180_000);
});
