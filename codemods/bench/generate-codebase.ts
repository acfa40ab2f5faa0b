// Writes a synthetic TypeScript codebase for the codemod benchmark: `files` modules, of which
// `siteRatio` hold sites (a three-map manager, or a module reaching into one through a typed
// receiver); the rest are ordinary modules, some with local maps named like the fields.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SUPPORT = `export interface Conn { close(): void; send(m: string): Promise<void> }
export interface Info { ip: string; version: string }
export interface RwLock { read(op: string): Promise<() => void>; write(op: string): Promise<() => void> }
export class UnifiedPeerConnection<C, I> {
  lastSeen = 0;
  constructor(readonly connection: C, readonly info: I) {}
  static from<C, I>(c: C, i: I, o?: { lastSeen?: number }): UnifiedPeerConnection<C, I> {
    const u = new UnifiedPeerConnection(c, i);
    u.lastSeen = o?.lastSeen ?? 0;
    return u;
  }
  markSeen(at = 0): this { this.lastSeen = at; return this; }
  isStale(after: number, now = 0): boolean { return now - this.lastSeen > after; }
}
`;

function manager(i: number): string {
  return `import type { Conn, Info, RwLock } from '../support.js';

export class Manager${i} {
  readonly connections = new Map<string, Conn>();
  readonly peers = new Map<string, Info>();
  readonly lastSeen = new Map<string, number>();
  readonly connectionsLock: RwLock;
  readonly peersLock: RwLock;
  readonly lastSeenLock: RwLock;

  constructor(lock: () => RwLock, private readonly now: () => number) {
    this.connectionsLock = lock();
    this.peersLock = lock();
    this.lastSeenLock = lock();
  }

  async add(key: string, conn: Conn, info: Info): Promise<void> {
    const releaseConnections = await this.connectionsLock.write('add');
    const releasePeers = await this.peersLock.write('add');
    const releaseLastSeen = await this.lastSeenLock.write('add');
    this.connections.set(key, conn);
    this.peers.set(key, info);
    this.lastSeen.set(key, this.now());
    releaseLastSeen();
    releasePeers();
    releaseConnections();
  }

  async seen(key: string): Promise<void> {
    const release = await this.lastSeenLock.write('seen');
    this.lastSeen.set(key, this.now());
    release();
  }

  async remove(key: string): Promise<void> {
    const release = await this.connectionsLock.write('remove');
    this.connections.delete(key);
    this.peers.delete(key);
    this.lastSeen.delete(key);
    release();
  }

  versions(): string[] {
    return [...this.peers.values()].map((info) => info.version);
  }

  stale(after: number): string[] {
    const now = this.now();
    const out: string[] = [];
    for (const [key, t] of this.lastSeen) if (now - t > after) out.push(key);
    return out;
  }
}
`;
}

function consumer(i: number, managerIndex: number): string {
  return `import type { Manager${managerIndex} } from './manager-${managerIndex}.js';

export function describe${i}(m: Manager${managerIndex}, key: string): string {
  const info = m.peers.get(key);
  const seen = m.lastSeen.get(key) ?? 0;
  return info ? \`\${info.ip} \${info.version} \${seen} of \${m.connections.size}\` : 'unknown';
}
`;
}

function plain(i: number): string {
  const localMaps =
    i % 20 === 0
      ? `\nexport function tally${i}(ips: string[]): number {\n  const peers = new Map<string, number>();\n  for (const ip of ips) peers.set(ip, (peers.get(ip) ?? 0) + 1);\n  return peers.size;\n}\n`
      : '';
  return `export interface Record${i} {
  id: number;
  name: string;
  tags: string[];
}

export function make${i}(id: number, name: string): Record${i} {
  return { id, name, tags: [name.toUpperCase(), String(id)] };
}

export function total${i}(records: Record${i}[]): number {
  let sum = 0;
  for (const r of records) sum += r.id * r.tags.length;
  return sum;
}
${localMaps}`;
}

/** Generates the codebase into `dir` (created); returns the number of files holding sites. */
export function generateCodebase(dir: string, files = 2000, siteRatio = 0.1): number {
  mkdirSync(path.join(dir, 'src/pools'), { recursive: true });
  mkdirSync(path.join(dir, 'src/plain'), { recursive: true });
  writeFileSync(path.join(dir, 'src/support.ts'), SUPPORT);
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, noEmit: true }, include: ['src'] }, null, 2),
  );
  const withSites = Math.round((files - 1) * siteRatio);
  const managers = Math.ceil(withSites / 2);
  for (let i = 0; i < managers; i++) writeFileSync(path.join(dir, `src/pools/manager-${i}.ts`), manager(i));
  for (let i = 0; i < withSites - managers; i++) writeFileSync(path.join(dir, `src/pools/consumer-${i}.ts`), consumer(i, i % managers));
  for (let i = 0; i < files - 1 - withSites; i++) writeFileSync(path.join(dir, `src/plain/module-${i}.ts`), plain(i));
  return withSites;
}
