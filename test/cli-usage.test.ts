// Usage errors of every command, as a person meets them: the real CLI spawned (through tsx), exit
// status 2, one line on stderr naming the option and the value, no stack trace, nothing started.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI } from './node/helpers/node-child.js';

const SOAK_CLI = fileURLToPath(new URL('../src/soak/cli.ts', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** args, environment, and what the one line must name (the option, then the value). */
const CASES: [string[], NodeJS.ProcessEnv, string[]][] = [
  [['node', '--bogus'], {}, ['--bogus']],
  [['node', '--mode'], {}, ['--mode', 'argument missing']],
  [['node', '--mode', 'turbo'], {}, ['--mode', "'turbo'"]],
  [['node', '--inject-fault', 'gremlins'], {}, ['--inject-fault', "'gremlins'"]],
  [['node'], { POOLSHIFT_MODE: 'turbo' }, ['POOLSHIFT_MODE', '"turbo"']],
  // A dotted quad over 255 passed validation and died on getaddrinfo after the node had started.
  [['node', '--listen', '300.1.1.1:7700'], {}, ['--listen', '"300.1.1.1:7700"', 'listen address']],
  [['node', '--admin', '127.0.93.1:99999'], {}, ['--admin', '"127.0.93.1:99999"', 'admin address']],
  [['node', '--peers', '127.0.93.2:7700,1.2.3:7700'], {}, ['--peers', '"1.2.3:7700"', 'peer address']],
  [['node', '--node-id', ''], {}, ['--node-id', 'empty']],
  [['rehearse', '--bogus'], {}, ['--bogus']],
  [['rehearse', '--inject-fault', 'gremlins'], {}, ['--inject-fault', "'gremlins'"]],
  [['rehearse', '--base-address', '300.1.1.1'], {}, ['--base-address', '"300.1.1.1"']],
  [['rehearse', '--base-address', '127.0.93.250', '--nodes', '10'], {}, ['--base-address', '127.0.93.250']],
  [['rehearse', '--keep-alive', '2s', '--stale-after', '1s'], {}, ['--stale-after (1s)', '--keep-alive (2s)']],
  [['codemod', '--report', 'xml'], {}, ['--report', "'xml'"]],
  [['codemod', '--project'], {}, ['--project', 'argument missing']],
  [['bench', '--bogus'], {}, ['--bogus']],
  [['gate', '--prometheus', 'http://127.0.93.71:1', '--bogus'], {}, ['--bogus']],
  [['rehearse-rollout', '--bogus'], {}, ['--bogus']],
  [['bogus'], {}, ["'bogus'"]],
];

describe('poolshift usage errors', () => {
  for (const [args, env, names] of CASES) {
    it(`poolshift ${args.join(' ')}${Object.keys(env).length > 0 ? ` with ${JSON.stringify(env)}` : ''}: exit 2, one line naming ${names.join(' and ')}`, async () => {
      const r = await run(CLI, args, env);
      expect(r.code).toBe(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      for (const name of names) expect(lines[0]).toContain(name);
      expect(lines[0]).toMatch(/^poolshift( [\w-]+)?: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      // Refused before anything ran: no log line, no report.
      expect(r.stdout).toBe('');
    }, 30_000);
  }

  it('poolshift --version prints the package version and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await run(CLI, ['--version']);
    expect(r).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  }, 30_000);

  it('help asked for is no usage error: poolshift help node exits 0', async () => {
    const r = await run(CLI, ['help', 'node']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: poolshift node [options]');
  }, 30_000);
});

describe('npm run soak usage errors', () => {
  const SOAK_CASES: [string[], string[]][] = [
    [['--bogus'], ['--bogus']],
    [['--duration'], ['--duration']],
    [['--duration', 'soon'], ['--duration', '"soon"']],
    [['--node-ip', '127.300.0.1'], ['--node-ip', '"127.300.0.1"']],
    [['--log-level', 'loud'], ['--log-level', '"loud"']],
    [['--gate', 'nope'], ['--gate', 'nope']],
  ];
  for (const [args, names] of SOAK_CASES) {
    it(`soak ${args.join(' ')}: exit 2, one line naming ${names.join(' and ')}`, async () => {
      const r = await run(SOAK_CLI, args);
      expect(r.code).toBe(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      for (const name of names) expect(lines[0]).toContain(name);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    }, 30_000);
  }
});

describe('poolshift node that cannot listen', () => {
  it('an address not on this host: exit 1, one fatal line with the code and the address, no stack', async () => {
    // 192.0.2.1 (TEST-NET-1) is assigned to no host: EADDRNOTAVAIL, a cause the person can act on.
    const r = await run(CLI, ['node', '--log-format', 'json', '--listen', '192.0.2.1:7700', '--admin', '127.0.93.61:0']);
    expect(r.code).toBe(1);
    const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const loud = records.filter((rec) => Number(rec.level) >= 40);
    expect(loud).toMatchObject([{ level: 60, msg: 'node failed to start', code: 'EADDRNOTAVAIL' }]);
    expect(String(loud[0]!.err)).toContain('192.0.2.1:7700');
    expect(r.stdout).not.toContain('"stack"');
  }, 30_000);
});
