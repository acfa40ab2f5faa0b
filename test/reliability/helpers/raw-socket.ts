import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * A WebSocket client written on a bare TCP socket: it does the upgrade, sends the frames it is
 * told to (masked, as a client must), reads everything the server sends and answers nothing, not
 * even a close frame. What a hostile peer that wants its refusals to be expensive looks like.
 */
export interface RawSocket {
  readonly socket: Socket;
  /** The code of the first close frame received, once one has arrived. */
  closeCode(): number | undefined;
  /** Resolves with the close frame's code once one arrives. */
  readonly closeFrame: Promise<number>;
  /** Resolves when the TCP socket is gone (the server ended or destroyed it). */
  readonly gone: Promise<void>;
  write(bytes: Buffer): void;
}

export interface RawSocketOptions {
  /** Keep our side open after the server's FIN (never send ours). Default false. */
  readonly allowHalfOpen?: boolean;
}

/** Upgrades a TCP connection from `localAddress` to `host:port`; resolves once the server said 101. */
export function rawSocket(localAddress: string, host: string, port: number, options: RawSocketOptions = {}): Promise<RawSocket> {
  const socket = connect({ host, port, localAddress, allowHalfOpen: options.allowHalfOpen ?? false });
  socket.on('error', () => undefined);
  let head = Buffer.alloc(0);
  let frames = Buffer.alloc(0);
  let upgraded = false;
  let code: number | undefined;
  let gotClose: (code: number) => void = () => undefined;
  const closeFrame = new Promise<number>((resolve) => (gotClose = resolve));
  const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    const ready = (): void =>
      resolve({ socket, closeCode: () => code, closeFrame, gone, write: (bytes) => void socket.write(bytes) });
    socket.once('close', () => (upgraded ? undefined : reject(new Error('closed before the upgrade'))));
    socket.on('data', (chunk: Buffer) => {
      if (!upgraded) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!head.subarray(0, 12).toString().startsWith('HTTP/1.1 101')) {
          reject(new Error(`upgrade refused: ${head.subarray(0, end).toString()}`));
          return;
        }
        upgraded = true;
        chunk = head.subarray(end + 4);
        ready();
      }
      frames = Buffer.concat([frames, chunk]);
      // Server frames are unmasked; a close frame is 0x88, a short length, then the code.
      if (code === undefined && frames.length >= 4 && frames[0] === 0x88) {
        code = frames.readUInt16BE(2);
        gotClose(code);
      }
    });
    socket.once('connect', () => {
      socket.write(
        `GET / HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
  });
}

/**
 * A client frame: FIN, the opcode, masked. `announced` is the length written in the header when
 * it differs from the payload's (a header promising more than is sent).
 */
export function clientFrame(opcode: number, payload: Buffer, announced = payload.length): Buffer {
  let header: Buffer;
  if (announced < 126) header = Buffer.from([0x80 | opcode, 0x80 | announced]);
  else if (announced < 65536) {
    header = Buffer.alloc(4);
    header.writeUInt16BE(announced, 2);
    header[1] = 0x80 | 126;
  } else {
    header = Buffer.alloc(10);
    header.writeBigUInt64BE(BigInt(announced), 2);
    header[1] = 0x80 | 127;
  }
  header[0] = 0x80 | opcode;
  const mask = randomBytes(4);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i] = (masked[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([header, mask, masked]);
}

/** Resolves `true` if `event` settles within `ms`, `false` otherwise; the timer is cleared either way. */
export async function within(event: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([event.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
