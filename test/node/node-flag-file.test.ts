import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../helpers/wait.js';
import { getJson, runCli, type NodeChild } from './helpers/node-child.js';

// The flag file's edge cases, over real files and a real `poolshift node`, on 127.0.68.x.
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
});
