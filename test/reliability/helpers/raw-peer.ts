import { WebSocket } from 'ws';
import { TEST_NETWORK } from '../../helpers/test-node.js';

/** A bare ws client that says what it is told to and records how it was answered. */
export interface RawPeer {
  readonly ws: WebSocket;
  /** Text frames received after our Hello was answered. */
  readonly frames: string[];
  /** Resolves with the close code and reason, whoever closed. */
  readonly closed: Promise<[number, string]>;
  /** Resolves true once the node answered our Hello, false if the socket closed first. */
  readonly answered: Promise<boolean>;
  sendHello(nodeId?: string): void;
}

export function helloFrame(nodeId: string, network = TEST_NETWORK): string {
  return JSON.stringify({ type: 'Hello', network, nodeId, version: '1.0.0', listenPort: 0 });
}

/** Opens a socket from `host` to `target`; with `hello`, says Hello at once. Resolves when open (or closed). */
export async function rawPeer(host: string, target: string, options: { hello?: boolean; nodeId?: string } = {}): Promise<RawPeer> {
  const ws = new WebSocket(`ws://${target}`, { localAddress: host, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  const frames: string[] = [];
  let helloSeen = false;
  let answer: (v: boolean) => void = () => undefined;
  const answered = new Promise<boolean>((resolve) => (answer = resolve));
  const closed = new Promise<[number, string]>((resolve) => ws.once('close', (code, reason) => {
    answer(false);
    resolve([code, reason.toString()]);
  }));
  ws.on('message', (data) => {
    const text = String(data);
    if (!helloSeen) {
      helloSeen = true;
      answer(true);
      return;
    }
    frames.push(text);
  });
  ws.on('error', () => undefined);
  await new Promise<void>((resolve) => {
    ws.once('open', () => resolve());
    ws.once('close', () => resolve());
  });
  const peer: RawPeer = {
    ws,
    frames,
    closed,
    answered,
    sendHello: (nodeId = options.nodeId ?? `raw-${host}`) => ws.send(helloFrame(nodeId)),
  };
  if (options.hello && ws.readyState === WebSocket.OPEN) peer.sendHello();
  return peer;
}
