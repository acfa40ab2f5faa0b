import { isIP, isIPv6 } from 'node:net';
import { AddressError } from './errors.js';
import type { PeerAddress } from './types.js';

// A hostname label set (RFC 1123) or an IPv4 literal: anything else is refused before a dial.
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const PORT = /^[0-9]{1,5}$/;

/**
 * Parses `host:port` or `[v6]:port` (or checks a PeerAddress). Throws AddressError naming what
 * is wrong: a peer list from the network is untrusted input.
 */
export function parseAddress(input: string | PeerAddress): PeerAddress {
  if (typeof input !== 'string') {
    const text = `${String(input.host)}:${String(input.port)}`;
    const host = typeof input.host === 'string' ? input.host : '';
    return { host: checkHost(text, host, isIPv6(host)), port: checkPort(text, input.port) };
  }
  let host: string;
  let portText: string;
  if (input.startsWith('[')) {
    const end = input.indexOf(']');
    if (end < 0) throw new AddressError(input, 'unclosed [');
    host = input.slice(1, end);
    if (!isIPv6(host)) throw new AddressError(input, 'not an IPv6 address in brackets');
    if (input[end + 1] !== ':') throw new AddressError(input, 'no port');
    portText = input.slice(end + 2);
  } else {
    const colon = input.lastIndexOf(':');
    if (colon < 0) throw new AddressError(input, 'no port');
    host = input.slice(0, colon);
    portText = input.slice(colon + 1);
    // An unbracketed IPv6 literal is ambiguous: is the last group a port or part of the address?
    if (host.includes(':')) throw new AddressError(input, 'IPv6 addresses must be written [addr]:port');
  }
  if (portText === '') throw new AddressError(input, 'no port');
  if (!PORT.test(portText)) throw new AddressError(input, `port ${JSON.stringify(portText)} is not an integer`);
  return { host: checkHost(input, host, false), port: checkPort(input, Number(portText)) };
}

function checkHost(input: string, host: string, v6: boolean): string {
  if (host === '') throw new AddressError(input, 'empty host');
  // Digits and dots only is meant as IPv4, never a name: 300.1.1.1 is refused here, not by getaddrinfo.
  if (/^[0-9.]+$/.test(host) && isIP(host) !== 4) throw new AddressError(input, `bad host ${JSON.stringify(host)}: not an IPv4 address`);
  if (v6 || isIP(host) !== 0 || HOSTNAME.test(host)) return host;
  throw new AddressError(input, `bad host ${JSON.stringify(host)}`);
}

function checkPort(input: string, port: unknown): number {
  if (typeof port !== 'number' || !Number.isInteger(port)) throw new AddressError(input, 'port is not an integer');
  if (port < 1 || port > 65535) throw new AddressError(input, `port ${port} out of range 1-65535`);
  return port;
}

/** `host:port`, with IPv6 hosts bracketed so the result parses back. */
export function formatAddress(address: PeerAddress): string {
  return isIPv6(address.host) ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/**
 * The IP as peers are keyed: a dual-stack socket reports IPv4 peers as `::ffff:a.b.c.d`, which
 * must key the same as the `a.b.c.d` a peer list names.
 */
export function normalizeIp(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return '';
  const lower = remoteAddress.toLowerCase();
  if (lower.startsWith('::ffff:')) {
    const v4 = remoteAddress.slice(7);
    if (isIP(v4) === 4) return v4;
  }
  return remoteAddress;
}
