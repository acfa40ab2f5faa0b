// --detect's analysis on in-memory files: the roles found by types and use, and the flags.
import { describe, expect, it } from 'vitest';
import { detectPeerPools, flagsFor, isComplete, matchesNames } from './analysis/detect.js';
import { resolveOptions } from './options.js';
import { inMemoryProject } from './project.js';

const TYPES = `
interface Sock { send(data: string): void; close(): void }
interface User { name: string }
interface Lock { write(op: string): Promise<() => void> }
`;

function detect(body: string) {
  const { program, selected } = inMemoryProject({ '/d/pool.ts': `${TYPES}\n${body}` });
  return detectPeerPools(program, selected);
}

describe('--detect', () => {
  it('finds the three maps by their types and use, whatever their names, and the flags to run with', () => {
    const [pool, ...rest] = detect(`
export class Room {
  private sessions = new Map<string, Sock>();
  private users = new Map<string, User>();
  private lastPong = new Map<string, number>();
  private readonly sessionsMutex: Lock = { write: async () => () => {} };
  open(id: string, ws: Sock, user: User): void {
    this.sessions.set(id, ws);
    this.users.set(id, user);
    this.lastPong.set(id, Date.now());
  }
}`);
    expect(rest).toEqual([]);
    expect(pool).toMatchObject({ className: 'Room', keyType: 'string', lockSuffix: 'Mutex' });
    expect(pool!.roles.connections).toEqual({ field: 'sessions', why: 'its values (Sock) have send()' });
    expect(pool!.roles.peers?.field).toBe('users');
    // Line 15 of the file: the six lines of TYPES above the class, then its own.
    expect(pool!.roles.lastSeen).toEqual({ field: 'lastPong', why: 'numbers set from Date.now() (line 15)' });
    expect(isComplete(pool!)).toBe(true);
    expect(flagsFor(pool!)).toEqual([
      '--connections-field', 'sessions', '--peers-field', 'users', '--last-seen-field', 'lastPong', '--lock-suffix', 'Mutex',
    ]);
    expect(matchesNames(pool!, resolveOptions())).toBe(false);
    expect(matchesNames(pool!, resolveOptions({ fields: { connections: 'sessions', peers: 'users', lastSeen: 'lastPong' } }))).toBe(true);
  });

  it('takes a number map for lastSeen only when it is set from a clock', () => {
    const [pool] = detect(`
export class Scores {
  readonly sockets = new Map<string, Sock>();
  readonly users = new Map<string, User>();
  readonly points = new Map<string, number>();
  add(id: string, ws: Sock, user: User, gained: number): void {
    this.sockets.set(id, ws);
    this.users.set(id, user);
    this.points.set(id, gained);
  }
}`);
    expect(pool!.roles.lastSeen).toBeUndefined();
    expect(isComplete(pool!)).toBe(false);
  });

  it('does not pair maps whose written key types differ', () => {
    const pools = detect(`
type ConnId = string;
type UserId = string;
export class Hub {
  readonly socks = new Map<ConnId, Sock>();
  readonly profiles = new Map<UserId, User>();
  readonly seen = new Map<ConnId, number>();
  open(c: ConnId, s: Sock): void {
    this.socks.set(c, s);
    this.seen.set(c, Date.now());
  }
}`);
    expect(pools.map((p) => [p.keyType, Object.keys(p.roles).sort()])).toEqual([['ConnId', ['connections', 'lastSeen']]]);
    expect(isComplete(pools[0]!)).toBe(false);
  });

  it('finds nothing in a class with no socket map', () => {
    expect(detect(`export class Cache { readonly a = new Map<string, User>(); readonly b = new Map<string, number>(); }`)).toEqual([]);
  });
});
