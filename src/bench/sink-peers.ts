/**
 * The far end of the broadcastWs figure, in its own process: `count` peers, each a PeerListener on
 * its own loopback address, that count the messages they receive and nothing else. The parent
 * sends `{ until }` over IPC; the child answers `{ reached }` once the total count reaches it.
 * argv[2]: JSON { network, hosts: string[] }.
 */
import { PeerListener } from '../transport/peer-listener.js';
import type { PeerAddress } from '../contract/types.js';

export interface SinkConfig {
  readonly network: string;
  readonly hosts: readonly string[];
}

export type SinkReply = { ready: PeerAddress[] } | { reached: number } | { fatal: string };

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as SinkConfig;
  let received = 0;
  const waits: number[] = [];
  const post = (reply: SinkReply): void => void process.send?.(reply);
  const check = (): void => {
    for (let i = waits.length - 1; i >= 0; i--) {
      if (received < waits[i]!) continue;
      post({ reached: waits[i]! });
      waits.splice(i, 1);
    }
  };
  const listeners = config.hosts.map(
    (host, i) => new PeerListener({ host, port: 0, identity: { network: config.network, nodeId: `sink-${i}`, version: '1.0.0', listenPort: 0 } }),
  );
  for (const listener of listeners) {
    listener.on('peer', (connection) => {
      connection.on('message', () => {
        received++;
        if (waits.length > 0) check();
      });
      connection.on('close', () => undefined);
    });
  }
  const addresses = await Promise.all(listeners.map((l) => l.listen()));
  process.on('message', (msg: { until?: number; exit?: true }) => {
    if (msg.exit) {
      for (const l of listeners) void l.close();
      process.exit(0);
    }
    if (msg.until !== undefined) {
      waits.push(msg.until);
      check();
    }
  });
  process.on('disconnect', () => process.exit(0));
  post({ ready: addresses });
}

main().catch((err: unknown) => {
  process.send?.({ fatal: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
