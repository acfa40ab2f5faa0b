import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * Slowloris clients: raw TCP sockets that send a WebSocket upgrade request one byte at a time,
 * a byte every `byteEveryMs` to every socket still open, and never finish it in a test's time.
 * One interval for all of them; `stop()` clears it and destroys what is left.
 */
export interface Slowloris {
  readonly sockets: readonly Socket[];
  /** Sockets the server has closed (or reset). */
  closed(): number;
  /** Of those, the ones closed without a byte from the server (destroyed on accept, not answered). */
  closedSilently(): number;
  /** Sockets still open, by local address. */
  openBy(): Record<string, number>;
  stop(): void;
}

export interface SlowlorisOptions {
  /** A byte to every open socket this often. Default 1000. */
  readonly byteEveryMs?: number;
}

/** Opens `perSource` sockets from each source address to `host:port`; resolves once every one has connected or closed. */
export async function slowloris(sources: readonly string[], perSource: number, host: string, port: number, options: SlowlorisOptions = {}): Promise<Slowloris> {
  const request = Buffer.from(
    `GET / HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const sent = new Map<Socket, number>();
  const gone = new Set<Socket>();
  const answered = new Set<Socket>();
  const sockets: Socket[] = [];
  const ready: Promise<void>[] = [];
  for (const source of sources) {
    for (let i = 0; i < perSource; i++) {
      const socket = connect({ host, port, localAddress: source });
      sockets.push(socket);
      socket.on('error', () => undefined);
      socket.on('data', () => answered.add(socket));
      socket.once('close', () => gone.add(socket));
      ready.push(
        new Promise<void>((resolve) => {
          socket.once('connect', () => {
            // The request never completes here: the last byte would be sent after ~200 intervals.
            socket.write(request.subarray(0, 1));
            sent.set(socket, 1);
            resolve();
          });
          socket.once('close', () => resolve());
        }),
      );
    }
  }
  await Promise.all(ready);
  const timer = setInterval(() => {
    for (const [socket, n] of sent) {
      if (gone.has(socket) || n >= request.length - 1) continue;
      socket.write(request.subarray(n, n + 1));
      sent.set(socket, n + 1);
    }
  }, options.byteEveryMs ?? 1000);
  return {
    sockets,
    closed: () => gone.size,
    closedSilently: () => [...gone].filter((s) => !answered.has(s)).length,
    openBy: () => {
      const by: Record<string, number> = {};
      for (const s of sockets) if (!gone.has(s)) by[s.localAddress ?? '?'] = (by[s.localAddress ?? '?'] ?? 0) + 1;
      return by;
    },
    stop: () => {
      clearInterval(timer);
      for (const s of sockets) s.destroy();
    },
  };
}
