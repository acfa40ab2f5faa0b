import type { Conn, Info } from './support.js';

/** Only two of the three maps: not a three-map class. */
export class TwoMaps {
  readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info>();

  add(key: string, conn: Conn, info: Info): void {
    this.connections.set(key, conn);
    this.peers.set(key, info);
  }
}

/** Local maps that happen to be called like the fields are left alone. */
export function tally(infos: Info[]): number {
  const peers = new Map<string, Info>();
  const lastSeen = new Map<string, number>();
  const connections = new Map<string, number>();
  for (const info of infos) {
    peers.set(info.ip, info);
    lastSeen.set(info.ip, 1);
    connections.set(info.ip, 2);
  }
  return peers.size + lastSeen.size + connections.size;
}

export const shape = { peers: new Map<string, Info>(), lastSeen: new Map<string, number>() };
shape.peers.delete('x');
