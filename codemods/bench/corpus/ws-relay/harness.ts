// Real ws connections on loopback (127.77.15.1, a port of the system's choosing): clients send,
// the relay forwards and acknowledges; each client's inbox is complete once its own `flush` is
// acknowledged, since the relay sends on one socket in order.
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { withClock } from '../kit.js';
import { Relay } from './manager.js';

const HOST = '127.77.15.1';

interface Client {
  ws: WebSocket;
  inbox: string[];
  /** Sends `text` and resolves once the relay has acknowledged it. */
  say: (text: string) => Promise<void>;
}

async function client(port: number, id: string, name: string, topic: string): Promise<Client> {
  const ws = new WebSocket(`ws://${HOST}:${port}/${id}?name=${name}&topic=${topic}`);
  const inbox: string[] = [];
  const waiting: (() => void)[] = [];
  ws.on('message', (data) => {
    const text = String(data);
    inbox.push(text);
    if (text.startsWith('ack ')) waiting.shift()?.();
  });
  await once(ws, 'open');
  const say = (text: string): Promise<void> =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      ws.send(text);
    });
  return { ws, inbox, say };
}

export async function run(): Promise<unknown[]> {
  const clock = { at: 500 };
  const relay = new Relay();
  const server = new WebSocketServer({ host: HOST, port: 0 });
  await once(server, 'listening');
  const attached: (() => void)[] = [];
  server.on('connection', (ws, req) => {
    const url = new URL(req.url ?? '/', 'ws://relay');
    relay.attach(url.pathname.slice(1), ws, { name: url.searchParams.get('name') ?? '?', topic: url.searchParams.get('topic') ?? '' });
    attached.shift()?.();
  });
  const log: unknown[] = [];
  try {
    await withClock(clock, async () => {
      const join = async (id: string, name: string, topic: string): Promise<Client> => {
        const on = new Promise<void>((resolve) => attached.push(resolve));
        const c = await client((server.address() as { port: number }).port, id, name, topic);
        await on;
        return c;
      };
      const a = await join('a', 'ann', 'news');
      const b = await join('b', 'bo', 'news');
      const c = await join('c', 'cy', 'chat');
      log.push(relay.names());
      clock.at = 600;
      await a.say('hello news');
      await c.say('anyone?');
      clock.at = 700;
      await b.say('hi ann');
      b.ws.close();
      await once(b.ws, 'close');
      // The relay hears the close on its side of the socket; wait for it (bounded by the loop).
      for (let i = 0; i < 200 && relay.names().includes('bo'); i++) await new Promise((r) => setTimeout(r, 5));
      log.push(relay.names());
      await a.say('still there?');
      for (const x of [a, c]) await x.say('flush');
      log.push({ a: a.inbox, b: b.inbox, c: c.inbox });
      for (const x of [a, c]) x.ws.close();
    });
  } finally {
    for (const ws of server.clients) ws.terminate();
    server.close();
  }
  return log;
}
