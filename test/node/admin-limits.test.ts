/**
 * The admin server's own limits: it shares the process's descriptors with the peer listener, so
 * it holds at most maxConnections sockets (past it a socket is destroyed on accept) and a request
 * whose headers dribble in is closed at the header timeout, checked often enough to matter.
 * Slowloris clients send their request one byte at a time. Addresses: 127.0.84.x.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminServer } from '../../src/node/admin-server.js';
import { ADMIN_DEFAULTS } from '../../src/node/config.js';
import { slowloris, type Slowloris } from '../reliability/helpers/slowloris.js';
import { waitFor } from '../helpers/wait.js';

const source = {
  registry: new Registry(),
  health: () => Promise.resolve({ status: 'ok' as const, mode: 'legacy', peers: 0 }),
  shadow: () => ({}),
};
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function healthz(address: { host: string; port: number }): Promise<number | string> {
  return fetch(`http://${address.host}:${address.port}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
    (res) => res.status,
    (err: Error) => err.name,
  );
}

describe('the admin server under a slowloris', () => {
  it('holds maxConnections, destroys the rest on accept, closes the slow ones at the header timeout; /healthz answers again', async () => {
    const admin = new AdminServer(source, pino({ level: 'silent' }), { maxConnections: 8, headersTimeoutMs: 500 });
    cleanup.push(() => admin.close());
    const address = await admin.listen({ host: '127.0.84.1', port: 0 });
    const started = Date.now();
    const f: Slowloris = await slowloris(['127.0.84.2', '127.0.84.3'], 10, address.host, address.port, { byteEveryMs: 100 });
    cleanup.push(() => f.stop());
    // Dribbling a byte every 100 ms does not reset the header timeout: every slow socket is closed.
    await waitFor(() => f.closed() === 20, 'the slow sockets closed at the header timeout', 3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    // The 12 past the cap were destroyed on accept, unanswered; the 8 held got Node's 408.
    expect(f.closedSilently()).toBe(12);
    expect(await healthz(address)).toBe(200);
  });

  it('is capped by default: 40 slowloris sockets leave 32 open', async () => {
    const admin = new AdminServer(source, pino({ level: 'silent' }));
    cleanup.push(() => admin.close());
    const address = await admin.listen({ host: '127.0.84.1', port: 0 });
    const f = await slowloris(['127.0.84.4', '127.0.84.5'], 20, address.host, address.port);
    cleanup.push(() => f.stop());
    await waitFor(() => f.closed() === 40 - ADMIN_DEFAULTS.maxConnections, 'the sockets past 32 destroyed', 2000);
    expect(ADMIN_DEFAULTS.maxConnections).toBe(32);
    // The rest stay open, and none is closed by the 5 s header timeout in the meantime.
    expect(Object.values(f.openBy()).reduce((a, b) => a + b, 0)).toBe(32);
  });
});
