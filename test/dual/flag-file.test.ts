import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FlagFileError } from '../../src/contract/errors.js';
import { FileFlagProvider } from '../../src/dual/flags/file-flag-provider.js';
import { sleep } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'poolshift-flag-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, doc: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return path;
}

describe('FileFlagProvider: per-node overrides', () => {
  it('looks a node id up among the own keys of `nodes` only: constructor, toString and __proto__ are ids like any other', async () => {
    const none = file('none.json', { mode: 'shadow', nodes: {} });
    for (const nodeId of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(await new FileFlagProvider(none, { nodeId }).read()).toBe('shadow');
    }
    // JSON.parse makes "__proto__" an own key: it overrides like any other.
    const own = file('own.json', '{ "mode": "shadow", "nodes": { "__proto__": "live", "constructor": "unified", "toString": "legacy" } }');
    expect(await new FileFlagProvider(own, { nodeId: '__proto__' }).read()).toBe('live');
    expect(await new FileFlagProvider(own, { nodeId: 'constructor' }).read()).toBe('unified');
    expect(await new FileFlagProvider(own, { nodeId: 'toString' }).read()).toBe('legacy');
  });
});

describe('FileFlagProvider: what it will not read', () => {
  it('a missing file is "not configured", unless required', async () => {
    const missing = join(dir, 'missing.json');
    expect(await new FileFlagProvider(missing).read()).toBeUndefined();
    const err = await new FileFlagProvider(missing, { required: true }).read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlagFileError);
    expect(err).toMatchObject({ code: 'POOLSHIFT_ERR_FLAG_FILE', fault: 'missing', path: missing });
  });

  it('refuses a FIFO, a directory and a file over the cap', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(new FileFlagProvider(fifo).read()).rejects.toMatchObject({ fault: 'not-regular', message: expect.stringContaining('a FIFO') });
    await expect(new FileFlagProvider(dir).read()).rejects.toMatchObject({ fault: 'not-regular', message: expect.stringContaining('a directory') });
    const big = file('big.json', JSON.stringify({ mode: 'live' }) + ' '.repeat(100));
    await expect(new FileFlagProvider(big, { maxBytes: 100 }).read()).rejects.toMatchObject({ fault: 'too-large' });
    expect(await new FileFlagProvider(big, { maxBytes: 200 }).read()).toBe('live');
  });

  it('gives up on a read that does not finish in time (a hung mount), in a real process whose file system threads are all held', async () => {
    const flag = file('slow.json', { mode: 'shadow' });
    const jam = join(dir, 'jam');
    execFileSync('mkfifo', [jam]);
    const script = fileURLToPath(new URL('./helpers/jammed-flag-read.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, flag, jam, '300'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, UV_THREADPOOL_SIZE: '1' } });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const code = await Promise.race([exited, sleep(10_000).then(() => 'hung' as const)]);
    if (code === 'hung') child.kill('SIGKILL');
    expect(code).toBe(0);
    const result = JSON.parse(out.trim()) as { code: string; fault: string; ms: number };
    expect(result).toMatchObject({ code: 'POOLSHIFT_ERR_FLAG_FILE', fault: 'timeout' });
    expect(result.ms).toBeGreaterThanOrEqual(290);
    expect(result.ms).toBeLessThan(3000);
  });
});
