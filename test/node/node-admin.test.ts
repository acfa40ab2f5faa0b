import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { getJson, runCli, type NodeChild } from './helpers/node-child.js';

// The admin server's exposure: its bearer token, the warning beyond loopback, and the default
// node id every peer learns; what a legacy node shows. A real `poolshift node` on 127.0.68.1x.
const children: NodeChild[] = [];
const TOKEN = 'tok-3f9a1c0e7b';

function start(args: string[], env: NodeJS.ProcessEnv = {}): NodeChild {
  const c = runCli(['node', '--log-format', 'json', '--mode', 'shadow', ...args], env);
  children.push(c);
  return c;
}

async function get(url: string, authorization?: string): Promise<{ status: number; wwwAuthenticate: string | null; text: string }> {
  const res = await fetch(url, authorization === undefined ? {} : { headers: { authorization } });
  return { status: res.status, wwwAuthenticate: res.headers.get('www-authenticate'), text: await res.text() };
}

afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill('SIGKILL');
    await c.exited;
  }
});

describe('poolshift node: the admin server', () => {
  it('with POOLSHIFT_ADMIN_TOKEN, answers 401 to every request without the bearer token, /healthz included', async () => {
    const c = start(['--listen', '127.0.68.11:0', '--admin', '127.0.68.11:0'], { POOLSHIFT_ADMIN_TOKEN: TOKEN });
    const admin = String((await c.waitForLog('node started')).admin);
    for (const path of ['/healthz', '/metrics', '/shadow', '/nope']) {
      for (const auth of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN, 'Bearer ']) {
        const res = await get(`http://${admin}${path}`, auth);
        expect(res.status, `${path} with ${String(auth)}`).toBe(401);
        expect(res.wwwAuthenticate).toMatch(/^Bearer /);
        expect(res.text).not.toContain('shadow');
      }
    }
    expect((await get(`http://${admin}/healthz`, `Bearer ${TOKEN}`)).status).toBe(200);
    expect((await get(`http://${admin}/metrics`, `bearer ${TOKEN}`)).text).toContain('poolshift_node_peers');
    expect((await get(`http://${admin}/shadow`, `Bearer ${TOKEN}`)).status).toBe(200);
    expect((await get(`http://${admin}/nope`, `Bearer ${TOKEN}`)).status).toBe(404);
    expect(c.logs(/beyond loopback/)).toHaveLength(0);
  });

  it('with --admin-token on the command line, the same; without a token, open as before', async () => {
    const c = start(['--listen', '127.0.68.12:0', '--admin', '127.0.68.12:0', '--admin-token', TOKEN]);
    const admin = String((await c.waitForLog('node started')).admin);
    expect((await get(`http://${admin}/healthz`)).status).toBe(401);
    expect((await get(`http://${admin}/healthz`, `Bearer ${TOKEN}`)).status).toBe(200);
    const open = start(['--listen', '127.0.68.13:0', '--admin', '127.0.68.13:0']);
    const openAdmin = String((await open.waitForLog('node started')).admin);
    expect((await get(`http://${openAdmin}/healthz`)).status).toBe(200);
  });

  it('warns once at start when bound beyond loopback, and says whether it is authenticated', async () => {
    const open = start(['--listen', '127.0.68.14:0', '--admin', '0.0.0.0:0']);
    await open.waitForLog('node started');
    const openWarn = open.logs(/admin server bound beyond loopback/);
    expect(openWarn).toHaveLength(1);
    expect(openWarn[0]).toMatchObject({ level: 40, address: '0.0.0.0', authenticated: false });
    expect(String(openWarn[0]!.msg)).toContain('--admin-token');
    open.kill('SIGKILL');

    const closed = start(['--listen', '127.0.68.15:0', '--admin', '0.0.0.0:0'], { POOLSHIFT_ADMIN_TOKEN: TOKEN });
    const admin = String((await closed.waitForLog('node started')).admin);
    expect(closed.logs(/admin server bound beyond loopback/)).toMatchObject([{ level: 40, authenticated: true }]);
    const port = admin.slice(admin.lastIndexOf(':') + 1);
    expect((await get(`http://127.0.0.1:${port}/healthz`)).status).toBe(401);
  });

  it('refuses an empty POOLSHIFT_ADMIN_TOKEN with exit status 2', async () => {
    const c = runCli(['node', '--listen', '127.0.68.16:0', '--admin', '127.0.68.16:0'], { POOLSHIFT_ADMIN_TOKEN: '' });
    children.push(c);
    expect((await c.exited).code).toBe(2);
    expect(c.stderr.join('')).toContain('--admin-token');
  });
});

describe('poolshift node: the default node id', () => {
  it('does not carry the host name, and is the same after a restart with the same --listen', async () => {
    const ids: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const c = start(['--listen', '127.0.68.17:0', '--admin', '127.0.68.17:0']);
      ids.push((await c.waitForLog('node started')).node);
      c.kill('SIGTERM');
      expect((await c.exited).code).toBe(0);
    }
    expect(ids[0]).toMatch(/^node-[0-9a-f]{12}$/);
    expect(String(ids[0])).not.toContain(hostname());
    expect(ids[1]).toBe(ids[0]);
  });
});

describe('poolshift node in legacy: /metrics and /shadow with nothing compared', () => {
  it('shows no consistency ratio (absent, not 0 %) and no peer-set diff of the peers legacy holds; the gate is there', async () => {
    const b = runCli(['node', '--log-format', 'json', '--mode', 'legacy', '--listen', '127.0.68.19:0', '--admin', '127.0.68.19:0']);
    children.push(b);
    const listenB = String((await b.waitForLog('node started')).listen);
    const a = runCli(['node', '--log-format', 'json', '--mode', 'legacy', '--listen', '127.0.68.18:0', '--admin', '127.0.68.18:0', '--peers', listenB]);
    children.push(a);
    const admin = String((await a.waitForLog('node started')).admin);
    await waitFor(async () => ((await getJson(`http://${admin}/healthz`)).body as { peers: number }).peers === 1, 'a holds b', 10_000);
    const metrics = (await get(`http://${admin}/metrics`)).text;
    // An alert on `poolshift_shadow_consistency_ratio < 0.999` must not fire on every legacy node.
    expect(metrics).toContain('# TYPE poolshift_shadow_consistency_ratio gauge');
    expect(metrics).not.toMatch(/^poolshift_shadow_consistency_ratio /m);
    expect(metrics).toMatch(/^poolshift_gate_checks 0$/m);
    expect(metrics).toMatch(/^poolshift_gate_waiting 0$/m);
    expect(metrics).not.toMatch(/^poolshift_gate_last_decision /m);
    const shadow = (await getJson(`http://${admin}/shadow`)).body as { mode: string; peerSetDiff: string; outcomes: { total: number }; waiting: unknown; gate: { checks: number; lastDecision: unknown } };
    expect(shadow).toMatchObject({ mode: 'legacy', peerSetDiff: '', outcomes: { total: 0 }, waiting: null, gate: { checks: 0, lastDecision: null } });
    // Two nodes started one after the other through tsx.
  }, 30_000);
});
