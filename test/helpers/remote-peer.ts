/**
 * The parent side of peer-process.ts: a poolshift peer in a child process, so a test can freeze
 * it (SIGSTOP), kill it mid-connection, and run several nodes on their own loopback addresses.
 * Call `stopAllPeers()` in afterEach: a peer outliving its test holds its address.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatAddress } from '../../src/contract/address.js';
import type { NetworkMessage } from '../../src/contract/messages.js';
import type { DisconnectReason, PeerAddress, PeerInfo } from '../../src/contract/types.js';
import type { PeerCommand, PeerEvent, PeerProcessConfig, PeerProcessStats, ReceivedEntry } from './peer-process.js';

const CHILD = fileURLToPath(new URL('./peer-process.ts', import.meta.url));
const live = new Set<RemotePeer>();

export interface SpawnPeerOptions extends PeerProcessConfig {
  /** How long the child may take to start listening (tsx compiles on the fly). */
  readonly startTimeoutMs?: number;
}

/** An error the child reported for a command, with the poolshift code when it had one. */
export class RemotePeerError extends Error {
  constructor(readonly remoteName: string, readonly code: string | undefined, message: string) {
    super(message);
    this.name = 'RemotePeerError';
  }
}

type Command = PeerCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

export class RemotePeer {
  readonly host: string;
  readonly nodeId: string;
  readonly listenPort: number;
  readonly #child: ChildProcess;
  readonly #received: ReceivedEntry[] = [];
  readonly #replies = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  readonly #waiters = new Set<() => void>();
  #nextId = 1;
  #exit: string | undefined;
  readonly #exited: Promise<void>;

  /** Use spawnPeer(). */
  constructor(child: ChildProcess, config: PeerProcessConfig, listenPort: number) {
    this.#child = child;
    this.host = config.host;
    this.nodeId = config.nodeId;
    this.listenPort = listenPort;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (event: PeerEvent) => this.#onEvent(event));
    child.once('exit', (code, signal) => this.#onExit(`peer ${this.nodeId} exited (${signal ?? code})`));
    live.add(this);
  }

  get address(): string {
    return formatAddress({ host: this.host, port: this.listenPort });
  }

  get exited(): boolean {
    return this.#exit !== undefined;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Dials a node; resolves with the info the peer built from the handshake. */
  dial(address: string | PeerAddress): Promise<PeerInfo> {
    return this.#request({ cmd: 'dial', address }) as Promise<PeerInfo>;
  }

  /** Sends to the connection whose node id or IP is `key`, or to all of them. */
  send(message: NetworkMessage, key?: string): Promise<{ sent: number; failed: number }> {
    return this.#request({ cmd: 'send', message, key }) as Promise<{ sent: number; failed: number }>;
  }

  /** Sends `data` as a text frame, unchecked: a malformed frame on demand. */
  sendRaw(data: string, key?: string): Promise<{ sent: number; failed: number }> {
    return this.#request({ cmd: 'send-raw', data, key }) as Promise<{ sent: number; failed: number }>;
  }

  /** Messages received so far, in order (as mirrored from the child). */
  received(): NetworkMessage[] {
    return this.#received.map((e) => e.message);
  }

  /** Messages with the node id and IP of the connection they came on. */
  receivedEntries(): ReceivedEntry[] {
    return [...this.#received];
  }

  receivedCount(): number {
    return this.#received.length;
  }

  /** Resolves once `n` messages have been received in all; rejects on timeout or exit. */
  waitForReceived(n: number, timeoutMs = 5000): Promise<NetworkMessage[]> {
    if (this.#received.length >= n) return Promise.resolve(this.received());
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.#received.length >= n) finish(() => resolve(this.received()));
        else if (this.#exit) finish(() => reject(new Error(`${this.#exit} with ${this.#received.length}/${n} messages`)));
      };
      const finish = (then: () => void): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        then();
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`peer ${this.nodeId}: ${this.#received.length}/${n} messages after ${timeoutMs} ms`))),
        timeoutMs,
      );
      this.#waiters.add(check);
    });
  }

  stats(): Promise<PeerProcessStats> {
    return this.#request({ cmd: 'stats' }) as Promise<PeerProcessStats>;
  }

  /** Starts the closing handshake on every connection; resolves with how many. */
  closeAll(reason?: DisconnectReason): Promise<number> {
    return this.#request({ cmd: 'close-all', reason }) as Promise<number>;
  }

  /** Signals the child (SIGSTOP freezes it: a half-open peer). False once it has exited. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): boolean {
    if (this.#exit) return false;
    return this.#child.kill(signal);
  }

  /** Asks the child to exit, and kills it if it does not (e.g. frozen). Idempotent. */
  async stop(timeoutMs = 2000): Promise<void> {
    if (!this.#exit) {
      this.#child.kill('SIGCONT'); // a frozen child cannot read the exit command
      const timer = setTimeout(() => this.kill('SIGKILL'), timeoutMs);
      this.#request({ cmd: 'exit' }).catch(() => undefined);
      await this.#exited;
      clearTimeout(timer);
    }
  }

  #request(command: Command): Promise<unknown> {
    if (this.#exit) return Promise.reject(new Error(this.#exit));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#replies.set(id, { resolve, reject });
      this.#child.send({ ...command, id } as PeerCommand, (err) => {
        if (err && this.#replies.delete(id)) reject(err);
      });
    });
  }

  #onEvent(event: PeerEvent): void {
    if (event.event === 'received') {
      this.#received.push(event.entry);
      for (const check of [...this.#waiters]) check();
    } else if (event.event === 'reply') {
      const pending = this.#replies.get(event.id);
      if (!pending) return;
      this.#replies.delete(event.id);
      if (event.ok) pending.resolve(event.result);
      else pending.reject(new RemotePeerError(event.error.name, event.error.code, event.error.message));
    }
  }

  #onExit(why: string): void {
    this.#exit = why;
    live.delete(this);
    for (const pending of this.#replies.values()) pending.reject(new Error(why));
    this.#replies.clear();
    for (const check of [...this.#waiters]) check();
  }
}

/** Starts a peer listening on `host` (port picked by the OS); resolves once it listens. */
export function spawnPeer(options: SpawnPeerOptions): Promise<RemotePeer> {
  const { startTimeoutMs = 15_000, ...config } = options;
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
    } catch (err) {
      reject(err as Error);
      return;
    }
    let fatal = '';
    const fail = (error: Error): void => {
      cleanup();
      child.kill('SIGKILL');
      reject(error);
    };
    const onMessage = (event: PeerEvent): void => {
      if (event.event === 'fatal') fatal = event.error;
      if (event.event !== 'ready') return;
      cleanup();
      resolve(new RemotePeer(child, config, event.listenPort));
    };
    const onError = (err: Error): void => fail(new Error(`peer ${config.nodeId}: spawn failed: ${err.message}`, { cause: err }));
    const onExit = (code: number | null, signal: string | null): void =>
      fail(new Error(`peer ${config.nodeId} exited before listening (${signal ?? code})${fatal ? `: ${fatal}` : ''}`));
    const timer = setTimeout(() => fail(new Error(`peer ${config.nodeId} not listening after ${startTimeoutMs} ms`)), startTimeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('error', onError);
      child.off('exit', onExit);
      // Spawn-time errors after this point (e.g. a failed kill) must not crash the test process.
      child.on('error', () => undefined);
    };
    child.on('message', onMessage);
    child.once('error', onError);
    child.once('exit', onExit);
  });
}

/** Stops every peer still running: for a test's afterEach. */
export async function stopAllPeers(): Promise<void> {
  await Promise.all([...live].map((peer) => peer.stop()));
}
