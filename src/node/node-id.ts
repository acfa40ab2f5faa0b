import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { formatAddress } from '../contract/address.js';
import type { PeerAddress } from '../contract/types.js';

/**
 * The node id when `--node-id` is not given: `node-` and 12 hex digits of a SHA-256 of the host
 * name and the --listen address. Every peer learns the id from the Hello, so it does not carry
 * the host name; it is stable across restarts with the same host and --listen (a flag file's
 * `nodes` keys on it), and the node logs it on every line (`node`).
 */
export function defaultNodeId(listen: PeerAddress, host: string = hostname()): string {
  return `node-${createHash('sha256').update(`${host}\n${formatAddress(listen)}`).digest('hex').slice(0, 12)}`;
}
