import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { sleep, waitFor } from '../helpers/wait.js';
import { getJson, runCli, type NodeChild } from './helpers/node-child.js';

// Shutdown with a peer that stopped reading: a real `poolshift node` on 127.0.68.21, a raw ws
// peer from this process on 127.0.68.22 that says Hello and then pauses its socket.
const children: NodeChild[] = [];
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  for (const c of children.splice(0)) {
    c.kill('SIGKILL');
    await c.exited;
  }
});

/** Connects, says Hello, and resolves with the node's Hello. */
async function helloPeer(listen: string): Promise<{ ws: WebSocket; hello: Record<string, unknown> }> {
  const ws = new WebSocket(`ws://${listen}`, { localAddress: '127.0.68.22', perMessageDeflate: false });
  sockets.push(ws);
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const hello = new Promise<Record<string, unknown>>((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>)));
  ws.send(JSON.stringify({ type: 'Hello', network: 'poolshift', nodeId: 'paused-peer', version: '1.0.0', listenPort: 0 }));
  return { ws, hello: await hello };
}

describe('poolshift node: shutdown', () => {
  it('exits 0 on SIGTERM within the shutdown grace when a peer has stopped reading (its socket terminated)', async () => {
    const c = runCli(['node', '--log-format', 'json', '--mode', 'shadow', '--listen', '127.0.68.21:0', '--admin', '127.0.68.21:0']);
    children.push(c);
    const rec = await c.waitForLog('node started');
    const { ws, hello } = await helloPeer(String(rec.listen));
    // What every peer learns of the node: its default id, without the host name.
    expect(hello).toMatchObject({ type: 'Hello', network: 'poolshift' });
    expect(hello.nodeId).toMatch(/^node-[0-9a-f]{12}$/);
    expect(String(hello.nodeId)).not.toContain(hostname());
    await waitFor(async () => ((await getJson(`http://${String(rec.admin)}/healthz`)).body as { peers: number }).peers === 1, 'the node holds the peer');

    ws.pause(); // stops reading: our close frame is never read, never answered
    const began = Date.now();
    c.kill('SIGTERM');
    const exit = await Promise.race([c.exited, sleep(10_000).then(() => 'still running' as const)]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - began).toBeLessThan(4000);
    expect(c.logs(/closing handshake not completed within the shutdown grace/)).toHaveLength(1);
    expect(c.logs('node stopped')).toHaveLength(1);
    expect(c.logs(/did not drain/)).toHaveLength(0);
  });

  it('does not wait out the grace when every peer answers its close frame', async () => {
    const c = runCli(['node', '--log-format', 'json', '--mode', 'shadow', '--listen', '127.0.68.23:0', '--admin', '127.0.68.23:0', '--shutdown-grace', '5s']);
    children.push(c);
    const rec = await c.waitForLog('node started');
    await helloPeer(String(rec.listen));
    await waitFor(async () => ((await getJson(`http://${String(rec.admin)}/healthz`)).body as { peers: number }).peers === 1, 'the node holds the peer');
    const began = Date.now();
    c.kill('SIGTERM');
    expect(await c.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - began).toBeLessThan(4000);
    expect(c.logs(/closing handshake not completed/)).toHaveLength(0);
  });
});
