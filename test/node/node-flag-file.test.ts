import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../helpers/wait.js';
import { getJson, runCli, type NodeChild } from './helpers/node-child.js';

// The flag file's edge cases, over real files and a real `poolshift node`, on 127.0.68.x; and a
// promotion the gate refused, waited on until the gate opens.
const children: NodeChild[] = [];
const dir = mkdtempSync(join(tmpdir(), 'poolshift-flag-file-test-'));
const CAP = 64 * 1024;

function start(args: string[]): NodeChild {
  const c = runCli(['node', '--log-format', 'json', '--gate-min-checks', '0', '--gate-min-duration', '0', ...args]);
  children.push(c);
  return c;
}

/** The exit status, or 'still running' after `ms` (a node blocked on its flag file never exits). */
async function exitWithin(c: NodeChild, ms = 12_000): Promise<number | null | 'still running'> {
  return Promise.race([c.exited.then((e) => e.code), sleep(ms).then(() => 'still running' as const)]);
}

function output(c: NodeChild): string {
  return c.lines.join('\n') + c.stderr.join('');
}

/** A flag file over the cap that is still valid JSON naming a valid mode. */
function oversized(mode: string): string {
  return JSON.stringify({ mode }) + ' '.repeat(CAP);
}

async function metric(admin: string, name: string): Promise<string | undefined> {
  const text = await (await fetch(`http://${admin}/metrics`)).text();
  return new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
}

async function mode(admin: string): Promise<string> {
  return ((await getJson(`http://${admin}/healthz`)).body as { mode: string }).mode;
}

afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill('SIGKILL');
    await c.exited;
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('poolshift node --flag-file', () => {
  it('refuses to start when the file does not exist (a mistyped path), naming it', async () => {
    const missing = join(dir, 'flgas.json');
    const c = start(['--listen', '127.0.68.1:0', '--admin', '127.0.68.1:0', '--flag-file', missing]);
    const code = await exitWithin(c);
    expect(code).not.toBe('still running');
    expect(code).not.toBe(0);
    expect(c.logs('node started')).toHaveLength(0);
    const fatal = c.logs('node failed to start')[0];
    expect(fatal).toBeDefined();
    expect(output(c)).toContain(missing);
    expect(output(c)).toContain('POOLSHIFT_ERR_CONFIG');
    expect(output(c)).toContain('(missing)');
  });

  it('refuses a FIFO at start at once, instead of blocking start (and SIGTERM) on it', async () => {
    const fifo = join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    const c = start(['--listen', '127.0.68.2:0', '--admin', '127.0.68.2:0', '--flag-file', fifo]);
    const code = await exitWithin(c);
    expect(code).not.toBe('still running');
    expect(code).not.toBe(0);
    expect(output(c)).toContain(fifo);
    expect(output(c)).toMatch(/\(not-regular\): a FIFO, not a regular file/);
  });

  it('refuses a file over the size cap at start, without taking its mode', async () => {
    const big = join(dir, 'big.json');
    writeFileSync(big, oversized('shadow'));
    const c = start(['--listen', '127.0.68.3:0', '--admin', '127.0.68.3:0', '--flag-file', big]);
    const code = await exitWithin(c);
    expect(code).not.toBe('still running');
    expect(code).not.toBe(0);
    expect(output(c)).toContain(big);
    expect(output(c)).toMatch(/\(too-large\): \d+ bytes, over the cap of 65536/);
  });

  it('at a re-read, refuses a FIFO and an oversized file with a warning and keeps the last good mode', async () => {
    const flag = join(dir, 'rereads.json');
    writeFileSync(flag, JSON.stringify({ mode: 'shadow' }));
    const c = start(['--listen', '127.0.68.4:0', '--admin', '127.0.68.4:0', '--flag-file', flag]);
    const { admin } = (await c.waitForLog('node started')) as { admin: string };
    expect(await mode(admin)).toBe('shadow');

    const fifo = join(dir, 'rereads.fifo');
    execFileSync('mkfifo', [fifo]);
    renameSync(fifo, flag);
    await waitFor(() => c.logs('mode flag refused: mode unchanged').some((r) => r.fault === 'not-regular'), 'the FIFO refused', 10_000);
    expect(c.logs('mode flag refused: mode unchanged')[0]!.level).toBe(40);
    expect(await mode(admin)).toBe('shadow');

    writeFileSync(`${flag}.tmp`, oversized('legacy'));
    renameSync(`${flag}.tmp`, flag);
    await waitFor(() => c.logs('mode flag refused: mode unchanged').some((r) => r.fault === 'too-large'), 'the oversized file refused', 10_000);
    expect(await mode(admin)).toBe('shadow');

    // The binding is not stuck on either: the next good file is applied.
    writeFileSync(`${flag}.tmp`, JSON.stringify({ mode: 'live' }));
    renameSync(`${flag}.tmp`, flag);
    await waitFor(async () => (await mode(admin)) === 'live', 'live from the next good file', 10_000);
    c.kill('SIGTERM');
    expect(await exitWithin(c)).toBe(0);
  });

  it('a promotion the gate refused is waited on, shown on /shadow and /metrics, and applied when the gate opens', async () => {
    const flag = join(dir, 'waiting.json');
    writeFileSync(flag, JSON.stringify({ mode: 'shadow' }));
    const c = runCli(['node', '--log-format', 'json', '--gate-min-checks', '0', '--gate-min-duration', '8s', '--gate-retry-interval', '1s', '--listen', '127.0.68.5:0', '--admin', '127.0.68.5:0', '--flag-file', flag]);
    children.push(c);
    const { admin } = (await c.waitForLog('node started')) as { admin: string };
    writeFileSync(`${flag}.tmp`, JSON.stringify({ mode: 'live' }));
    renameSync(`${flag}.tmp`, flag);
    const refused = await c.waitForLog('mode flag not applied: waiting for the promotion gate', 'the refusal', 10_000);
    expect(refused).toMatchObject({ level: 40, code: 'POOLSHIFT_ERR_PROMOTION_REFUSED', target: 'live', gateRetryIntervalMs: 1000 });

    // Times in the log read as a person reads them: whole ms, no float digits.
    const gateLog = c.logs('promotion refused by the gate')[0]!;
    expect(Number.isInteger(gateLog.heldMs)).toBe(true);
    expect(String(gateLog.reason)).toMatch(/for \d+ ms, 8000 ms required$/);

    const shadow = (await getJson(`http://${admin}/shadow`)).body as {
      mode: string;
      waiting: { requested: string; mode: string; reason: string; since: string; waitedMs: number } | null;
      gate: { open: boolean; checks: number; minChecks: number; heldMs: number; minDurationMs: number; lastDecision: { allowed: boolean; reason: string } | null };
    };
    expect(shadow.mode).toBe('shadow');
    expect(shadow.waiting).toMatchObject({ requested: 'live', mode: 'shadow', reason: expect.stringMatching(/held .* 8000 ms required/) as unknown });
    expect(Date.now() - Date.parse(shadow.waiting!.since)).toBeLessThan(60_000);
    expect(Number.isInteger(shadow.waiting!.waitedMs)).toBe(true);
    expect(shadow.gate).toMatchObject({ open: false, minChecks: 0, minDurationMs: 8000, lastDecision: { allowed: false } });
    expect(shadow.gate.heldMs).toBeLessThan(8000);
    expect(await metric(admin, 'poolshift_gate_waiting')).toBe('1');
    expect(await metric(admin, 'poolshift_gate_last_decision')).toBe('0');
    expect(await metric(admin, 'poolshift_gate_open')).toBe('0');
    expect(await metric(admin, 'poolshift_gate_min_duration_seconds')).toBe('8');
    expect(await metric(admin, 'poolshift_gate_checks')).toMatch(/^\d+$/);

    // Nobody rewrites the file: the node promotes itself once the rate has held for 8 s.
    await waitFor(async () => (await mode(admin)) === 'live', 'live once the gate opened', 20_000);
    const opened = await c.waitForLog(/^promotion gate opened/, 'the promotion logged', 5000);
    expect(opened).toMatchObject({ level: 30, mode: 'live', requested: 'live' });
    expect(Number.isInteger(opened.waitedMs)).toBe(true);
    const after = (await getJson(`http://${admin}/shadow`)).body as typeof shadow;
    expect(after.waiting).toBeNull();
    expect(after.gate.lastDecision).toMatchObject({ allowed: true });
    expect(await metric(admin, 'poolshift_gate_waiting')).toBe('0');
    expect(await metric(admin, 'poolshift_gate_last_decision')).toBe('1');
    c.kill('SIGTERM');
    expect(await exitWithin(c)).toBe(0);
    // The gate's 8 s and its 5 s retry period, after a start through tsx.
  }, 40_000);

  it('while watched, JSON that does not parse is refused once, saying where; an override only for another id is warned about', async () => {
    const flag = join(dir, 'typos.json');
    writeFileSync(flag, JSON.stringify({ mode: 'legacy' }));
    const c = start(['--listen', '127.0.93.31:0', '--admin', '127.0.93.31:0', '--flag-file', flag, '--node-id', 'canary-1']);
    const { admin } = (await c.waitForLog('node started')) as { admin: string };
    const refused = (): Record<string, unknown>[] => c.logs('mode flag refused: mode unchanged');
    // Replaced whole: a write in place may be read truncated, which is another problem.
    const replace = (text: string): void => {
      writeFileSync(`${flag}.tmp`, text);
      renameSync(`${flag}.tmp`, flag);
    };
    replace('{\n  "mode": shadow\n}\n');
    await waitFor(() => refused().length > 0, 'the bad JSON refused', 10_000);
    // Written again unchanged, and touched: more watch events, the same problem, no new line.
    replace('{\n  "mode": shadow\n}\n');
    execFileSync('touch', [flag]);
    await sleep(500);
    expect(refused()).toHaveLength(1);
    expect(refused()[0]).toMatchObject({ level: 40, fault: 'invalid-json' });
    expect(String(refused()[0]!.err)).toContain('line 2, column 11: invalid symbol');
    expect(await mode(admin)).toBe('legacy');

    replace(JSON.stringify({ mode: 'shadow', nodes: { 'canary-l': 'live' } }));
    await waitFor(async () => (await mode(admin)) === 'shadow', 'the file mode, not the mistyped override', 10_000);
    expect(c.logs(/^flag file overrides node ids/)).toMatchObject([{ level: 40, ids: ['canary-l'], nodeId: 'canary-1' }]);
    c.kill('SIGTERM');
    expect(await exitWithin(c)).toBe(0);
  });
});
