import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { encodeMessage } from '../contract/codec.js';
import { createDialer } from '../transport/dialer.js';
import { initiateHandshake } from '../transport/handshake.js';
import type { NetworkMessage } from '../contract/messages.js';
import type { PeerAddress } from '../contract/types.js';
import { BenchClock } from './bench-clock.js';
import type { BenchResult } from './results.js';
import type { SinkConfig, SinkReply } from './sink-peers.js';
import { BENCH_IDENTITY, makeSubject, type Impl, type Subject } from './subjects.js';
import { timeSideBySide, type TimedTask } from './timing.js';

/** The peers listen on 127.40.0.1-100; we dial from 127.41.0.1. Both inside 127.40.0.0/14's allowed /24s. */
export const SINK_HOSTS: readonly string[] = Array.from({ length: 100 }, (_, i) => `127.40.0.${i + 1}`);
export const LOCAL_ADDRESS = '127.41.0.1';
export const MESSAGE_BYTES = 256;

/** A Custom message whose frame is exactly MESSAGE_BYTES long. */
export function sizedMessage(bytes = MESSAGE_BYTES): NetworkMessage {
  const empty: NetworkMessage = { type: 'Custom', kind: 'bench', data: '' };
  const pad = bytes - Buffer.byteLength(encodeMessage(empty));
  if (pad < 0) throw new RangeError(`a message cannot be as small as ${bytes} bytes`);
  return { type: 'Custom', kind: 'bench', data: 'x'.repeat(pad) };
}

class Sink {
  #waits = new Map<number, () => void>();
  #expected = 0;

  private constructor(
    readonly child: ChildProcess,
    readonly addresses: PeerAddress[],
  ) {
    child.on('message', (reply: SinkReply) => {
      if ('reached' in reply) {
        this.#waits.get(reply.reached)?.();
        this.#waits.delete(reply.reached);
      }
    });
  }

  static async start(hosts: readonly string[]): Promise<Sink> {
    const here = import.meta.url;
    const ts = here.endsWith('.ts');
    const script = fileURLToPath(new URL(ts ? './sink-peers.ts' : './sink-peers.js', here));
    const config: SinkConfig = { network: BENCH_IDENTITY.network, hosts };
    const child = fork(script, [JSON.stringify(config)], {
      // From sources (tsx, vitest) the child needs tsx too; from dist it is plain JavaScript.
      execArgv: ts ? ['--import', 'tsx'] : [],
      cwd: fileURLToPath(new URL('../../', here)),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const addresses = await new Promise<PeerAddress[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the sink peers did not start within 30 s')), 30_000);
      child.once('exit', (code) => reject(new Error(`the sink peers exited (${code})`)));
      child.on('message', (reply: SinkReply) => {
        if ('ready' in reply) {
          clearTimeout(timer);
          resolve(reply.ready);
        } else if ('fatal' in reply) reject(new Error(`the sink peers failed: ${reply.fatal}`));
      });
    });
    return new Sink(child, addresses);
  }

  /** Resolves once the peers have received `count` more messages. */
  expect(count: number): Promise<void> {
    this.#expected += count;
    const until = this.#expected;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the sink peers did not receive ${until} messages within 60 s`)), 60_000);
      this.#waits.set(until, () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.send({ until });
    });
  }

  stop(): void {
    if (this.child.connected) this.child.send({ exit: true });
    setTimeout(() => this.child.kill(), 2000).unref();
  }
}

async function rawSockets(addresses: readonly PeerAddress[]): Promise<WebSocket[]> {
  return Promise.all(
    addresses.map(async (address) => {
      const ws = new WebSocket(`ws://${address.host}:${address.port}`, { perMessageDeflate: false, localAddress: LOCAL_ADDRESS });
      ws.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      const { early } = await initiateHandshake(ws, address, { identity: BENCH_IDENTITY });
      early.detach();
      return ws;
    }),
  );
}

function sendRaw(ws: WebSocket, frame: string): Promise<void> {
  return new Promise((resolve, reject) => ws.send(frame, (err) => (err ? reject(err) : resolve())));
}

export interface BroadcastWsOptions {
  readonly quick: boolean;
  readonly log: (line: string) => void;
}

/**
 * 256-byte messages to 100 peers over real loopback sockets, the peers in a child process:
 * deliveries per second, counted by the peers. Each pool holds its own 100 connections to the
 * peers and broadcasts through `broadcast()`; the baseline sends the same frame on 100 raw ws
 * sockets to the same peers, waiting for every send of a round as a broadcast does.
 */
export async function broadcastWsFigures(impls: readonly Impl[], options: BroadcastWsOptions): Promise<BenchResult> {
  const rounds = options.quick ? 30 : 100;
  const message = sizedMessage();
  const frame = encodeMessage(message);
  const sink = await Sink.start(SINK_HOSTS);
  const subjects: Subject[] = [];
  let raw: WebSocket[] = [];
  try {
    const dialer = createDialer({ identity: BENCH_IDENTITY, localAddress: LOCAL_ADDRESS });
    raw = await rawSockets(sink.addresses);
    for (const impl of impls) {
      const subject = makeSubject(impl, { clock: new BenchClock(), dialer });
      for (const address of sink.addresses) await (subject.pool as unknown as { connectToPeer(a: PeerAddress): Promise<unknown> }).connectToPeer(address);
      subjects.push(subject);
    }
    const deliveries = rounds * sink.addresses.length;
    const tasks: TimedTask[] = [
      {
        name: 'baseline',
        work: deliveries,
        fn: async () => {
          const received = sink.expect(deliveries);
          for (let r = 0; r < rounds; r++) await Promise.all(raw.map((ws) => sendRaw(ws, frame)));
          await received;
        },
      },
      ...subjects.map(
        (subject): TimedTask => ({
          name: subject.impl,
          work: deliveries,
          fn: async () => {
            const received = sink.expect(deliveries);
            for (let r = 0; r < rounds; r++) {
              const result = await subject.pool.broadcast(message);
              if (result.sent !== sink.addresses.length) throw new Error(`${subject.impl} broadcast: ${JSON.stringify(result)}`);
            }
            await received;
          },
        }),
      ),
    ];
    options.log(`  ${tasks.length} contenders, ${rounds} broadcasts of ${MESSAGE_BYTES} bytes to ${sink.addresses.length} peers per sample`);
    const figures = await timeSideBySide(tasks, { timeMs: options.quick ? 100 : 1500, warmupMs: options.quick ? 20 : 100, minSamples: options.quick ? 2 : 8, rounds: 2 });
    const values: Partial<Record<Impl, number>> = {};
    const spread: Partial<Record<Impl, number>> = {};
    for (const [name, summary] of figures) {
      values[name as Impl] = Math.round(1e9 / summary.median);
      spread[name as Impl] = summary.spread;
    }
    return { metric: 'broadcastWs', n: sink.addresses.length, unit: 'deliveries/s', ...values, spread, better: 'higher' };
  } finally {
    for (const subject of subjects) await subject.pool.close();
    for (const ws of raw) ws.terminate();
    sink.stop();
  }
}
