import type { z } from 'zod';
import { ProtocolError, type ProtocolFault } from './errors.js';
import { MESSAGE_TYPES, NetworkMessageSchema, type NetworkMessage } from './messages.js';

/** Frames over this are refused (ws closes with 1009 before we see them). */
export const MAX_FRAME_BYTES = 10 * 1024 * 1024;
/** The Hello is small: a peer that sends more before identifying itself is not a peer. */
export const MAX_HANDSHAKE_BYTES = 1024 * 1024;

const KNOWN_TYPES: ReadonlySet<unknown> = new Set(MESSAGE_TYPES);

export function encodeMessage(msg: NetworkMessage): string {
  return JSON.stringify(msg);
}

/** The raw frame as ws delivers it, joined into one buffer (or kept as the string). */
export function frameToText(data: Buffer | ArrayBuffer | Buffer[] | string): string {
  if (typeof data === 'string') return data;
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

export function frameLength(data: Buffer | ArrayBuffer | Buffer[] | string): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}

/**
 * Decodes and validates one text frame. Throws ProtocolError only: whatever a peer sends, the
 * caller has one error type to handle.
 */
export function decodeMessage(data: Buffer | ArrayBuffer | Buffer[] | string, isBinary: boolean): NetworkMessage {
  if (isBinary) throw new ProtocolError('binary-frame', 'binary frames are not part of the protocol');
  const length = frameLength(data);
  if (length > MAX_FRAME_BYTES) throw new ProtocolError('oversized', `${length} bytes, over ${MAX_FRAME_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(frameToText(data));
  } catch (err) {
    throw new ProtocolError('malformed-json', (err as Error).message);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError('unknown-type', 'not a JSON object');
  }
  const type = (value as { type?: unknown }).type;
  if (!KNOWN_TYPES.has(type)) {
    throw new ProtocolError('unknown-type', type === undefined ? 'no type' : `type ${JSON.stringify(type)}`);
  }
  const result = NetworkMessageSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ProtocolError(issueFault(value, issue), describeIssue(type as string, issue));
}

/** Missing when the issue's path ends at a key its parent object does not have. */
function issueFault(value: object, issue: z.core.$ZodIssue | undefined): ProtocolFault {
  if (!issue || issue.path.length === 0) return 'invalid-field';
  let parent: unknown = value;
  for (const key of issue.path.slice(0, -1)) {
    if (typeof parent !== 'object' || parent === null) return 'invalid-field';
    parent = (parent as Record<PropertyKey, unknown>)[key];
  }
  const last = issue.path[issue.path.length - 1] as PropertyKey;
  const present = typeof parent === 'object' && parent !== null && Object.hasOwn(parent, last);
  return present ? 'invalid-field' : 'missing-field';
}

function describeIssue(type: string, issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return `${type}: invalid`;
  const path = issue.path.map(String).join('.') || '(root)';
  return `${type}.${path}: ${issue.message}`;
}
