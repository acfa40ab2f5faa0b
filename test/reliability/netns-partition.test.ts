/**
 * A real partition: two nodes, each in its own Linux network namespace, joined by a veth pair.
 * Taking the link down makes each side reap the other (reason `stale`); bringing it up lets them
 * reconnect. Needs root and iproute2 (.ci/run installs it where missing); where it cannot run the
 * test is skipped with the reason printed. The namespaces are this test's own and are deleted.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../helpers/wait.js';
import type { NetnsCommand, NetnsNodeConfig, NetnsState } from './helpers/netns-node.js';

const tag = `ps${process.pid % 100000}`;
const NS = { a: `${tag}a`, b: `${tag}b` };
const VETH = { a: `${tag}va`, b: `${tag}vb` };
const ADDR = { a: '10.231.7.1', b: '10.231.7.2' };
const PORT = 7411;
const TIMING = { keepAliveIntervalMs: 500, staleAfterMs: 750, reaperIntervalMs: 125 };

const ip = (...args: string[]): string => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** Why the test cannot run here, or undefined. */
function cannotRun(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not running as root (ip netns needs CAP_SYS_ADMIN)';
  try {
    ip('-V');
  } catch {
    return 'iproute2 (`ip`) is not installed';
  }
  try {
    ip('netns', 'add', `${tag}probe`);
    ip('netns', 'del', `${tag}probe`);
  } catch (err) {
    return `ip netns add failed: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
  }
  return undefined;
}

const reason = cannotRun();
if (reason) console.warn(`SKIPPED netns partition test: ${reason}`);

class NsNode {
  readonly #child: ChildProcess;
  readonly #replies = new Map<number, (r: { ok: boolean; result: unknown }) => void>();
  #next = 1;
  readonly ready: Promise<unknown>;
  constructor(ns: string, config: NetnsNodeConfig) {
    const script = fileURLToPath(new URL('./helpers/netns-node.ts', import.meta.url));
    this.#child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', script, JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (m: { id: number; ok: boolean; result: unknown }) => {
      const r = this.#replies.get(m.id);
      this.#replies.delete(m.id);
      r?.(m);
    });
    this.ready = new Promise((resolve) => this.#replies.set(0, resolve));
  }
  #ask(c: NetnsCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never): Promise<{ ok: boolean; result: unknown }> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#replies.set(id, resolve);
      this.#child.send({ ...c, id });
    });
  }
  async dial(address: string): Promise<boolean> {
    return (await this.#ask({ cmd: 'dial', address })).ok;
  }
  async state(): Promise<NetnsState> {
    return (await this.#ask({ cmd: 'state' })).result as NetnsState;
  }
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((r) => this.#child.once('exit', r));
    void this.#ask({ cmd: 'exit' });
    const t = setTimeout(() => this.#child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  }
}

describe('network partition between two namespaces', () => {
  const nodes: NsNode[] = [];

  beforeAll(async () => {
    if (reason) return;
    ip('netns', 'add', NS.a);
    ip('netns', 'add', NS.b);
    ip('link', 'add', VETH.a, 'netns', NS.a, 'type', 'veth', 'peer', 'name', VETH.b, 'netns', NS.b);
    ip('-n', NS.a, 'addr', 'add', `${ADDR.a}/24`, 'dev', VETH.a);
    ip('-n', NS.b, 'addr', 'add', `${ADDR.b}/24`, 'dev', VETH.b);
    for (const [ns, dev] of [[NS.a, VETH.a], [NS.b, VETH.b]] as const) {
      ip('-n', ns, 'link', 'set', dev, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    nodes.push(
      new NsNode(NS.a, { host: ADDR.a, port: PORT, nodeId: 'ns-a', ...TIMING }),
      new NsNode(NS.b, { host: ADDR.b, port: PORT, nodeId: 'ns-b', ...TIMING }),
    );
    await Promise.all(nodes.map((n) => n.ready));
  }, 30_000);

  afterAll(async () => {
    if (reason) return;
    await Promise.all(nodes.map((n) => n.stop()));
    for (const ns of [NS.a, NS.b]) {
      try {
        ip('netns', 'del', ns); // deletes its end of the veth, and so the pair
      } catch {
        /* already gone */
      }
    }
  });

  it.skipIf(reason !== undefined)('link down: each side reaps the other (stale); link up: they reconnect', async () => {
    const [a, b] = nodes as [NsNode, NsNode];
    expect(await a.dial(`${ADDR.b}:${PORT}`)).toBe(true);
    await waitFor(async () => (await b.state()).peers.length === 1, 'b holds a');
    expect((await a.state()).peers).toEqual([ADDR.b]);
    expect((await b.state()).peers).toEqual([ADDR.a]);

    ip('-n', NS.a, 'link', 'set', VETH.a, 'down');
    // Bounded wait, generous: the bound itself (staleAfter + reaper < 2 x keep-alive) is the reaper's.
    await waitFor(async () => (await a.state()).peers.length === 0 && (await b.state()).peers.length === 0, 'both sides reap', 15_000);
    expect((await a.state()).disconnects).toMatchObject({ stale: 1 });
    expect((await b.state()).disconnects).toMatchObject({ stale: 1 });

    ip('-n', NS.a, 'link', 'set', VETH.a, 'up');
    await waitFor(async () => {
      if (await a.dial(`${ADDR.b}:${PORT}`)) return true;
      await sleep(200);
      return false;
    }, 'a reconnects to b', 15_000);
    await waitFor(async () => (await b.state()).peers.length === 1, 'b holds a again');
    expect((await a.state()).peers).toEqual([ADDR.b]);
  }, 60_000);
});
