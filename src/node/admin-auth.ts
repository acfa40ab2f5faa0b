import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** The scheme and the token of an `Authorization: Bearer <token>` header (RFC 6750). */
const BEARER = /^Bearer +(\S+) *$/i;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Whether an Authorization header carries `token` as a bearer token. Compared in constant time
 * over SHA-256 digests, so neither the content nor the length of the token leaks through timing.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = header === undefined ? null : BEARER.exec(header);
  const given = digest(m ? m[1]! : '');
  return timingSafeEqual(given, digest(token)) && m !== null;
}

/** Whether a bound address is reachable from this host only (127.0.0.0/8, ::1, their mapped forms). */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase();
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return a === '::1' || a === '0:0:0:0:0:0:0:1';
}
