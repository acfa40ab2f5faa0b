import type { DisconnectReason } from '../contract/types.js';

/**
 * The WebSocket close code sent for each disconnect reason: the peer learns why it was dropped
 * from the code alone, the text is for humans. 1000-1015 are the RFC 6455 codes; 4000-4999 are
 * for applications. An oversized frame is closed by ws itself with 1009.
 */
export const CLOSE_CODES: Readonly<Record<DisconnectReason, number>> = {
  'closed-by-peer': 1000,
  shutdown: 1001,
  'protocol-error': 1002,
  removed: 4000,
  stale: 4001,
  replaced: 4002,
  'send-failed': 4003,
  'too-many-peers': 4004,
  duplicate: 4005,
  timeout: 4006,
  banned: 4007,
  slow: 4008,
  'rate-exceeded': 4009,
};

/** Policy violation: the code a refused handshake is closed with. */
export const CLOSE_POLICY = 1008;
/** Sent by ws when a frame is over maxPayload. */
export const CLOSE_TOO_BIG = 1009;

/** A close frame carries at most 125 payload bytes, 2 of which are the code. */
export const MAX_CLOSE_REASON_BYTES = 123;

const REASONS = new Map<number, DisconnectReason>(
  Object.entries(CLOSE_CODES).map(([reason, code]) => [code, reason as DisconnectReason]),
);

export function closeCodeFor(reason: DisconnectReason): number {
  return CLOSE_CODES[reason];
}

/** The reason a received close code stands for; a code we did not define is the peer's own doing. */
export function reasonForCloseCode(code: number): DisconnectReason {
  return REASONS.get(code) ?? 'closed-by-peer';
}

/** `reason` or `reason: detail`, cut to fit a close frame without splitting a UTF-8 character. */
export function closeReasonText(reason: string, detail?: string): string {
  return truncateUtf8(detail ? `${reason}: ${detail}` : reason, MAX_CLOSE_REASON_BYTES);
}

export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const bytes = Buffer.from(text).subarray(0, maxBytes);
  let end = bytes.length;
  // Back off over continuation bytes (10xxxxxx) to the lead byte of the cut character.
  while (end > 0 && ((bytes[end - 1] as number) & 0xc0) === 0x80) end--;
  if (end > 0) {
    const lead = bytes[end - 1] as number;
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (bytes.length - (end - 1) >= need) end = bytes.length; // the last character was whole
    else end -= 1;
  }
  return bytes.subarray(0, end).toString('utf8');
}
