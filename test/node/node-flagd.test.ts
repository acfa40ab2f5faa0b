import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MODE_FLAG_KEY } from '../../src/dual/flags/mode-flag-provider.js';
import { waitFor } from '../helpers/wait.js';
import { getJson, runCli, type NodeChild } from './helpers/node-child.js';

// `poolshift node --flag-source flagd:<file>`: real nodes on 127.0.140.x, a real flagd definition file.
const children: NodeChild[] = [];
const dir = mkdtempSync(join(tmpdir(), 'poolshift-node-flagd-'));
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill('SIGKILL');
    await c.exited;
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function definition(defaultMode: string, byNode: Record<string, string> = {}): string {
  const rules = Object.entries(byNode).flatMap(([id, mode]) => [{ '==': [{ var: 'targetingKey' }, id] }, mode]);
  return JSON.stringify({
    flags: {
      [MODE_FLAG_KEY]: {
        state: 'ENABLED',
        variants: { legacy: 'legacy', shadow: 'shadow', live: 'live', unified: 'unified' },
        defaultVariant: defaultMode,
        targeting: { if: [...rules, { sem_ver: [{ var: 'version' }, '<', '1.0.0'] }, 'legacy', defaultMode] },
      },
    },
  });
}

function start(args: string[]): NodeChild {
  const c = runCli(['node', '--log-format', 'json', '--gate-min-checks', '0', '--gate-min-duration', '0', ...args]);
  children.push(c);
  return c;
}

async function mode(admin: string): Promise<string> {
  return ((await getJson(`http://${admin}/healthz`)).body as { mode: string }).mode;
}

describe('poolshift node --flag-source flagd:<file>', () => {
  it('takes its mode from the definition by node id and version, and follows a change without a restart', async () => {
    const file = join(dir, 'fleet.flagd.json');
    writeFileSync(file, definition('shadow'));
    const a = start(['--listen', '127.0.140.1:0', '--admin', '127.0.140.1:0', '--node-id', 'canary-1', '--flag-source', `flagd:${file}`]);
    const old = start(['--listen', '127.0.140.2:0', '--admin', '127.0.140.2:0', '--node-id', 'old-1', '--node-version', '0.9.0', '--flag-source', `flagd:${file}`]);
    const adminA = ((await a.waitForLog('node started')) as { admin: string }).admin;
    const adminOld = ((await old.waitForLog('node started')) as { admin: string }).admin;
    expect(await mode(adminA)).toBe('shadow');
    expect(await mode(adminOld)).toBe('legacy');

    writeFileSync(`${file}.tmp`, definition('shadow', { 'canary-1': 'legacy' }));
    renameSync(`${file}.tmp`, file);
    await waitFor(async () => (await mode(adminA)) === 'legacy', 'canary-1 rolled back by the new definition', 15_000);
    expect(await mode(adminOld)).toBe('legacy');
    expect(a.logs('node started')).toHaveLength(1);
    a.kill('SIGTERM');
    expect((await a.exited).code).toBe(0);
  }, 40_000);

  it('a --flag-source it does not know, or with --flag-file, is a usage error naming it', async () => {
    const bad = start(['--listen', '127.0.140.3:0', '--admin', '127.0.140.3:0', '--flag-source', 'etcd:/x']);
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr.join('')).toContain('--flag-source');
    const both = start(['--listen', '127.0.140.4:0', '--admin', '127.0.140.4:0', '--flag-source', 'flagd:/x.json', '--flag-file', '/y.json']);
    expect((await both.exited).code).toBe(2);
    expect(both.stderr.join('')).toMatch(/--flag-file and --flag-source are exclusive/);
  });

  it('refuses to start on a definition file that does not exist, naming it', async () => {
    const missing = join(dir, 'no-such.flagd.json');
    const c = start(['--listen', '127.0.140.5:0', '--admin', '127.0.140.5:0', '--flag-source', `flagd:${missing}`]);
    const { code } = await c.exited;
    expect(code).not.toBe(0);
    expect(c.logs('node started')).toHaveLength(0);
    expect(c.lines.join('\n') + c.stderr.join('')).toContain(missing);
  }, 20_000);
});
