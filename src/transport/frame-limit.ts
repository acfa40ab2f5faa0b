import * as ws from 'ws';

/**
 * ws takes one maxPayload per server, for every frame of every socket, and has no public way to
 * change it on a socket. The listener wants two: the Hello's limit until a Hello arrives (so a
 * header announcing a larger frame is refused 1009 before its payload is read), then the message
 * limit. ws 8 keeps the limit in the socket's Receiver as `_maxPayload` and reads it each time a
 * frame header is parsed; this file is the only place that touches it. frameLimitSettable() (a
 * test, and listen()) check that ws still does.
 */
interface ReceiverInternals {
  _maxPayload?: unknown;
}

// ws exports its Receiver (used here only to probe); @types/ws does not declare it.
const { Receiver } = ws as unknown as { Receiver: new (options: { maxPayload: number }) => ReceiverInternals };

/** Sets the largest frame this socket will read from now on (frames already parsed keep theirs). */
export function setFrameLimit(socket: ws.WebSocket, bytes: number): void {
  const receiver = (socket as unknown as { _receiver?: ReceiverInternals })._receiver;
  if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = bytes;
}

/** Whether ws still keeps the limit where setFrameLimit writes it. */
export function frameLimitSettable(): boolean {
  return new Receiver({ maxPayload: 12345 })._maxPayload === 12345;
}
