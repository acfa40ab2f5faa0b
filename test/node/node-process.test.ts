import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { getJson, runCli, type NodeChild } from './helpers/node-child.js';

// `poolshift node` as a real child process, on 127.0.60.x.
const FAST = ['--keep-alive', '1s', '--stale-after', '3s', '--reaper-interval', '500ms', '--ping-timeout', '500ms', '--redial-interval', '300ms', '--snapshot-interval', '300ms'];
const children: NodeChild[] = [];
const dir = mkdtempSync(join(tmpdir(), 'poolshift-node-test-'));

function start(args: string[], env: NodeJS.ProcessEnv = {}): NodeChild {
  const c = runCli(['node', '--log-format', 'json', ...FAST, ...args], env);
  children.push(c);
  return c;
}

async function started(c: NodeChild): Promise<{ listen: string; admin: string }> {
  const rec = await c.waitForLog('node started');
  return { listen: String(rec.listen), admin: String(rec.admin) };
}

async function health(admin: string): Promise<{ status: string; mode: string; peers: number }> {
  return (await getJson(`http://${admin}/healthz`)).body as { status: string; mode: string; peers: number };
}

afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill('SIGKILL');
    await c.exited;
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('poolshift node', () => {
  it('serves /healthz, /metrics and /shadow, connects to its peers, and exits 0 on SIGTERM and SIGINT with a goodbye', async () => {
    const a = start(['--listen', '127.0.60.1:0', '--admin', '127.0.60.1:0', '--mode', 'shadow', '--node-id', 'a']);
    const aAddr = await started(a);
    const b = start(['--listen', '127.0.60.2:0', '--admin', '127.0.60.2:0', '--mode', 'shadow', '--node-id', 'b', '--peers', aAddr.listen]);
    const bAddr = await started(b);
    await waitFor(async () => (await health(aAddr.admin)).peers === 1 && (await health(bAddr.admin)).peers === 1, 'both nodes hold one peer');

    const h = await getJson(`http://${aAddr.admin}/healthz`);
    expect(h.status).toBe(200);
    expect(h.body).toEqual({ status: 'ok', mode: 'shadow', peers: 1 });

    const metrics = await getJson(`http://${aAddr.admin}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('poolshift_mode{mode="shadow"} 1');
    expect(metrics.text).toContain('poolshift_shadow_checks_total');
    expect(metrics.text).toContain('poolshift_node_peers 1');
    expect(metrics.text).toContain('process_cpu_user_seconds_total');

    await waitFor(async () => ((await getJson(`http://${aAddr.admin}/shadow`)).body as { outcomes: { snapshotChecks: number } }).outcomes.snapshotChecks > 2, 'snapshot checks ran');
    const shadow = (await getJson(`http://${aAddr.admin}/shadow`)).body as { mode: string; consistencyRate: number; divergences: Record<string, { unexpected: number }> };
    expect(shadow.mode).toBe('shadow');
    expect(shadow.consistencyRate).toBe(1);
    expect(Object.values(shadow.divergences).every((d) => d.unexpected === 0)).toBe(true);
    expect((await getJson(`http://${aAddr.admin}/nope`)).status).toBe(404);

    a.kill('SIGTERM');
    expect(await a.exited).toEqual({ code: 0, signal: null });
    expect(a.logs('node stopped')).toHaveLength(1);
    // The goodbye: b hears a's close (reason shutdown) and drops it at once, no keep-alive needed.
    const gone = await b.waitForLog('peer disconnected');
    expect(gone.reason).toBe('closed-by-peer');
    expect(b.logs(/half-open/)).toHaveLength(0);

    b.kill('SIGINT');
    expect(await b.exited).toEqual({ code: 0, signal: null });
    expect(b.logs('node stopped')).toHaveLength(1);
  });

  it('terminates a frozen peer (SIGSTOP) as half-open, and takes it back once it resumes', async () => {
    const a = start(['--listen', '127.0.60.3:0', '--admin', '127.0.60.3:0', '--mode', 'live']);
    const aAddr = await started(a);
    const b = start(['--listen', '127.0.60.4:0', '--admin', '127.0.60.4:0', '--mode', 'live', '--peers', aAddr.listen]);
    const bAddr = await started(b);
    await waitFor(async () => (await health(bAddr.admin)).peers === 1, 'b holds a');
    a.kill('SIGSTOP');
    await waitFor(async () => (await health(bAddr.admin)).peers === 0, 'b drops frozen a', 10_000);
    expect(b.logs(/half-open connection terminated/).length).toBeGreaterThan(0);
    a.kill('SIGCONT');
    await waitFor(async () => (await health(bAddr.admin)).peers === 1 && (await health(aAddr.admin)).peers === 1, 'reconnected after resume', 10_000);
    const metrics = await getJson(`http://${bAddr.admin}/metrics`);
    expect(metrics.text).toMatch(/poolshift_node_half_open_terminated_total [1-9]/);
  });

  it('follows its flag file, walking the stages one at a time', async () => {
    const flag = join(dir, 'flag.json');
    writeFileSync(flag, JSON.stringify({ mode: 'legacy' }));
    const a = start(['--listen', '127.0.60.5:0', '--admin', '127.0.60.5:0', '--flag-file', flag, '--gate-min-checks', '0', '--gate-min-duration', '0']);
    const aAddr = await started(a);
    expect((await health(aAddr.admin)).mode).toBe('legacy');
    expect(a.logs('mode from flag: legacy').length).toBeGreaterThan(0);
    writeFileSync(`${flag}.tmp`, JSON.stringify({ mode: 'unified' }));
    renameSync(`${flag}.tmp`, flag);
    await waitFor(async () => (await health(aAddr.admin)).mode === 'unified', 'mode unified');
    expect(a.logs(/pool mode changed/).map((r) => `${String(r.from)}->${String(r.to)}`)).toEqual(['legacy->shadow', 'shadow->live', 'live->unified']);
    writeFileSync(flag, JSON.stringify({ mode: 'bogus' }));
    await a.waitForLog('invalid mode flag value "bogus": mode unchanged');
    expect((await health(aAddr.admin)).mode).toBe('unified');
  });

  it('takes its configuration from POOLSHIFT_* variables', async () => {
    const a = start([], { POOLSHIFT_LISTEN: '127.0.60.6:0', POOLSHIFT_ADMIN: '127.0.60.6:0', POOLSHIFT_MODE: 'shadow', POOLSHIFT_NODE_ID: 'from-env' });
    const rec = await a.waitForLog('node started');
    expect(String(rec.listen)).toMatch(/^127\.0\.60\.6:\d+$/);
    expect(rec.node).toBe('from-env');
    expect(rec.mode).toBe('shadow');
  });

  it('refuses an invalid option with exit status 2, naming the field', async () => {
    const bad = runCli(['node', '--keep-alive', '2s', '--stale-after', '1s']);
    children.push(bad);
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr.join('')).toMatch(/--stale-after .* must not be shorter than --keep-alive/);
    const badAddr = runCli(['node', '--peers', '127.0.60.7']);
    children.push(badAddr);
    expect((await badAddr.exited).code).toBe(2);
    expect(badAddr.stderr.join('')).toContain('--peers');
  });

  it('refuses to start on a flag file that does not parse or names no mode, naming the file', async () => {
    for (const [name, text] of [['garbled.json', '{ "mode": '], ['unknown.json', '{ "mode": "turbo" }']] as const) {
      const file = join(dir, name);
      writeFileSync(file, text);
      const bad = runCli(['node', '--flag-file', file, '--listen', '127.0.60.9:0', '--admin', '127.0.60.9:0', '--log-format', 'json']);
      children.push(bad);
      expect((await bad.exited).code).not.toBe(0);
      const out = bad.lines.join('\n') + bad.stderr.join('');
      expect(out).toContain('POOLSHIFT_ERR_CONFIG');
      expect(out).toContain(name);
    }
  });

  it('logs pretty lines when asked (as on a terminal), JSON otherwise', async () => {
    const a = runCli(['node', '--log-format', 'pretty', '--listen', '127.0.60.8:0', '--admin', '127.0.60.8:0']);
    children.push(a);
    await waitFor(() => a.lines.some((l) => l.includes('node started')), 'pretty start line');
    const line = a.lines.find((l) => l.includes('node started'))!;
    expect(line.startsWith('{')).toBe(false);
    expect(line).toMatch(/INFO/);
    a.kill('SIGTERM');
    expect((await a.exited).code).toBe(0);
  });
});
