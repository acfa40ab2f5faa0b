import type { ReasonCode } from '../../reasons.js';

/** What the codemod should do with a manager: convert it, or refuse it for this reason. */
export type Expected = { converted: true } | { refused: ReasonCode };

export interface CorpusEntry {
  /** Folder under corpus/: `manager.ts` and `harness.ts` (exports `run(): Promise<unknown[]>`). */
  name: string;
  /** The real-world shape it is written after. */
  shape: string;
  expected: Expected;
  /**
   * Today's codemod does not yet do what `expected` says and refuses with this code instead
   * (`NOT_FOUND`: the class is not even seen). Recorded as a known gap, never as a pass: once the
   * codemod converts the manager, the corpus test fails until this line goes.
   */
  knownGap?: { refused: ReasonCode | 'NOT_FOUND'; why: string };
  /** Other field names: take them from `--detect`, and run the command it prints. */
  detect?: boolean;
  /** Run with `--apply-fixes` (which changes behaviour on purpose: the harness shows how). */
  applyFixes?: boolean;
}

export const CORPUS: readonly CorpusEntry[] = [
  {
    name: 'presence-tracker',
    shape: 'presence tracker: private fields set in the constructor, heartbeat, sweep of the silent',
    expected: { converted: true },
  },
  {
    name: 'ws-gateway',
    shape: 'WebSocket gateway: a lock around accept/drop, a broadcast reading each socket\'s info',
    expected: { converted: true },
  },
  {
    name: 'ws-relay',
    shape: 'topic relay on real ws sockets (loopback): forwards, acknowledges, leaves on close',
    expected: { converted: true },
  },
  {
    name: 'durable-object-room',
    shape: 'Durable Object chat room: sessions/users/lastPong, found by --detect',
    expected: { converted: true },
    detect: true,
  },
  {
    name: 'peerjs-host',
    shape: 'peerjs-style realm: clients/records/heartbeats, found by --detect, expiry loop',
    expected: { converted: true },
    detect: true,
  },
  {
    name: 'spreads-and-reads',
    shape: 'swarm peer table: destructured aliases, spreads, Array.from, forEach, size, clear',
    expected: { converted: true },
  },
  {
    name: 'guarded-deletes',
    shape: 'session pool: `if (this.connections.delete(id))` guards the rest of the removal',
    expected: { converted: true },
    knownGap: { refused: 'UNSUPPORTED_OPERATION', why: 'a delete whose result is used (the guarded-delete pattern, being added)' },
  },
  {
    name: 'private-fields',
    shape: 'channel pool in ECMAScript #private fields',
    expected: { converted: true },
    knownGap: { refused: 'NOT_FOUND', why: '#private fields are not recognised as the maps (visibility, being added)' },
  },
  {
    name: 'split-insert',
    shape: 'node taking the socket on connect and the info on hello, in two methods',
    expected: { refused: 'PARTIAL_INSERT' },
  },
  {
    name: 'partial-delete',
    shape: 'link table removing a dead connection and keeping its info and time',
    expected: { refused: 'PARTIAL_DELETE' },
  },
  {
    name: 'look-alike-keys',
    shape: 'hub: sockets by connection id, profiles by user id',
    expected: { refused: 'DIFFERENT_KEYS' },
  },
  {
    name: 'online-dates',
    shape: 'online tracker keyed by numeric user id, last heartbeat kept as a Date, bare fields set in the constructor',
    expected: { refused: 'LAST_SEEN_NOT_NUMBER' },
  },
  {
    name: 'socket-rooms',
    shape: 'Socket.IO-style rooms: all keys plain strings, sockets by socket id, members by user id',
    expected: { refused: 'DIFFERENT_KEYS' },
  },
];
