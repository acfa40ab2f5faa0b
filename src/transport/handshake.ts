import type { WebSocket } from 'ws';
import { z } from 'zod';
import { normalizeIp } from '../contract/address.js';
import { systemClock, type Clock } from '../contract/clock.js';
import { CLOSE_CODES, CLOSE_POLICY, closeReasonText } from './close-codes.js';
import { frameLength, frameToText, MAX_HANDSHAKE_BYTES } from '../contract/codec.js';
import type { NodeIdentity } from '../contract/connection.js';
import { HandshakeError } from '../contract/errors.js';
import type { DisconnectReason, PeerAddress, PeerInfo } from '../contract/types.js';
import { setFrameLimit } from './frame-limit.js';
import { TRANSPORT_DEFAULTS } from './transport-defaults.js';

/** The first frame each way. Not a NetworkMessage: it is only ever valid first. */
export const HelloSchema = z.object({
  type: z.literal('Hello'),
  network: z.string().min(1).max(256),
  nodeId: z.string().min(1).max(256),
  version: z.string().max(256).optional(),
  /** 0: the node does not listen. */
  listenPort: z.number().int().min(0).max(65535),
});
export type Hello = z.infer<typeof HelloSchema>;

export interface HandshakeOptions {
  readonly identity: NodeIdentity;
  readonly clock?: Clock;
  /** How long to wait for the peer's Hello. */
  readonly timeoutMs?: number;
  /** Aborting fails the handshake at once ('closed'), its timer cleared, the socket terminated. */
  readonly signal?: AbortSignal;
  /**
   * Server side: asked once the peer's Hello is valid, before ours is sent. A reason refuses the
   * peer: the socket is closed with that reason's code (e.g. 4004 too-many-peers, 4007 banned).
   */
  readonly admit?: (info: PeerInfo) => DisconnectReason | undefined;
  /**
   * Set as the socket's frame limit once a Hello has parsed, before the frames that follow it in
   * the same chunk: the listener reads the Hello under the Hello's own limit (MAX_HANDSHAKE_BYTES).
   */
  readonly frameLimitAfterHello?: number;
}

export type RawFrame = readonly [data: WebSocket.RawData, isBinary: boolean];

/**
 * Frames that arrived after the Hello, before a PeerConnection took the socket over. ws emits
 * every frame of a TCP chunk synchronously, so a peer's first message can come in the same tick
 * as its Hello; the handshake keeps listening (socket paused) until `detach()` hands them over.
 */
export interface EarlyFrames {
  readonly frames: RawFrame[];
  detach(): void;
}

export interface HandshakeResult {
  readonly info: PeerInfo;
  readonly hello: Hello;
  readonly early: EarlyFrames;
}

export function helloOf(identity: NodeIdentity): Hello {
  return {
    type: 'Hello',
    network: identity.network,
    nodeId: identity.nodeId,
    version: identity.version,
    listenPort: identity.listenPort,
  };
}

/** Server side: the client speaks first; we answer only a Hello we accept. */
export async function acceptHandshake(ws: WebSocket, remoteAddress: string | undefined, options: HandshakeOptions): Promise<HandshakeResult> {
  const { hello, early } = await receiveHello(ws, options);
  check(ws, hello, early, options.identity);
  const info: PeerInfo = {
    ip: normalizeIp(remoteAddress),
    port: hello.listenPort,
    version: hello.version || 'unknown',
    direction: 'inbound',
    nodeId: hello.nodeId,
  };
  const refusal = options.admit?.(info);
  if (refusal !== undefined) {
    early.detach();
    refuseWith(ws, refusal);
    throw new HandshakeError('refused', refusal);
  }
  ws.send(JSON.stringify(helloOf(options.identity)));
  return { info, hello, early };
}

/** Client side: say Hello, then wait for the answer. The peer is who we dialled. */
export async function initiateHandshake(ws: WebSocket, dialled: PeerAddress, options: HandshakeOptions): Promise<HandshakeResult> {
  const answer = receiveHello(ws, options); // listening before sending: the answer may be quick
  ws.send(JSON.stringify(helloOf(options.identity)));
  const { hello, early } = await answer;
  check(ws, hello, early, options.identity);
  const info: PeerInfo = {
    ip: dialled.host,
    port: dialled.port,
    version: hello.version || 'unknown',
    direction: 'outbound',
    nodeId: hello.nodeId,
  };
  return { info, hello, early };
}

function check(ws: WebSocket, hello: Hello, early: EarlyFrames, identity: NodeIdentity): void {
  let error: HandshakeError | undefined;
  if (hello.network !== identity.network) error = new HandshakeError('wrong-magic', `network ${JSON.stringify(hello.network)}`);
  else if (hello.nodeId === identity.nodeId) error = new HandshakeError('self', `node id ${hello.nodeId} is our own`);
  if (!error) return;
  early.detach();
  refuse(ws, error);
  throw error;
}

export function parseHello(data: WebSocket.RawData, isBinary: boolean): Hello {
  if (isBinary) throw new HandshakeError('garbage', 'binary frame');
  const length = frameLength(data);
  if (length > MAX_HANDSHAKE_BYTES) throw new HandshakeError('garbage', `${length} bytes, over ${MAX_HANDSHAKE_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(frameToText(data));
  } catch {
    throw new HandshakeError('garbage', 'not JSON');
  }
  const result = HelloSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new HandshakeError('garbage', `not a Hello (${issue ? `${issue.path.map(String).join('.') || 'frame'}: ${issue.message}` : 'invalid'})`);
}

function receiveHello(ws: WebSocket, options: HandshakeOptions): Promise<{ hello: Hello; early: EarlyFrames }> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? TRANSPORT_DEFAULTS.handshakeTimeoutMs;
  return new Promise((resolve, reject) => {
    let hello: Hello | undefined;
    let settled = false;
    const frames: RawFrame[] = [];
    const detach = (): void => {
      ws.off('message', onMessage);
      ws.off('close', onClose);
      ws.off('error', onError);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: HandshakeError): void => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      detach();
      refuse(ws, error);
      reject(error);
    };
    const onMessage = (data: WebSocket.RawData, isBinary: boolean): void => {
      if (hello) {
        frames.push([data, isBinary]);
        return;
      }
      try {
        hello = parseHello(data, isBinary);
      } catch (err) {
        fail(err as HandshakeError);
        return;
      }
      settled = true;
      clock.clearTimeout(timer);
      if (options.frameLimitAfterHello !== undefined) setFrameLimit(ws, options.frameLimitAfterHello);
      // Read nothing more until a PeerConnection has listeners; frames of this chunk still come.
      ws.pause();
      ws.off('close', onClose);
      resolve({ hello, early: { frames, detach } });
    };
    const onClose = (code: number, reason: Buffer): void =>
      fail(new HandshakeError('closed', `socket closed by the peer (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`));
    const onAbort = (): void => {
      ws.terminate();
      fail(new HandshakeError('closed', 'aborted'));
    };
    // The socket's errors end in 'close'; without a listener ws would throw them. A frame ws
    // refused (too large, bad UTF-8, ...) is closed by ws with its code: the handshake ends now,
    // not when (if ever) the peer completes the close.
    const onError = (err: Error & { code?: string }): void => {
      if (err.code?.startsWith('WS_ERR_')) fail(new HandshakeError('garbage', err.message));
    };
    const timer = clock.setTimeout(() => fail(new HandshakeError('timeout', `no Hello within ${timeoutMs} ms`)), timeoutMs);
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', onError);
    options.signal?.addEventListener('abort', onAbort);
  });
}

/** Closes a refused socket with 1008 and the fault, so the peer's operator can read why. */
export function refuse(ws: WebSocket, error: HandshakeError): void {
  // A refused socket is abandoned: keep a handler so a late reset cannot crash the process.
  if (ws.listenerCount('error') === 0) ws.on('error', () => undefined);
  if (ws.readyState === ws.OPEN) {
    ws.close(CLOSE_POLICY, `handshake: ${error.fault}`);
    // Paused after the Hello: the peer's close frame must still be read to finish closing.
    ws.resume();
  } else if (ws.readyState === ws.CONNECTING) ws.terminate();
}

/** Closes a socket the node will not take, with the reason's own close code and text. */
export function refuseWith(ws: WebSocket, reason: DisconnectReason, detail?: string): void {
  if (ws.listenerCount('error') === 0) ws.on('error', () => undefined);
  if (ws.readyState === ws.OPEN) {
    ws.close(CLOSE_CODES[reason], closeReasonText(reason, detail));
    ws.resume();
  } else if (ws.readyState === ws.CONNECTING) ws.terminate();
}
