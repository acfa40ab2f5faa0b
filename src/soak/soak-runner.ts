/**
 * The soak: a node whose pool is a DualModePool in shadow mode, 200 peers on loopback (child
 * processes, each peer a connection from its own 127.0.58.x address), continuous churn from both
 * sides and traffic both ways, for a bounded time. It accounts every message the node sent and
 * every one a peer received, the shadow verifier's unexpected divergences, heap growth after
 * warm-up and what the pool still holds once every peer has gone.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { systemClock } from '../contract/clock.js';
import { createDialer } from '../transport/dialer.js';
import { DualModePool } from '../dual/dual-mode-pool.js';
import { PeerListener } from '../transport/peer-listener.js';
import type { SoakPeerCommand, SoakPeerConfig, SoakPeerEvent, SoakPeerReport } from './soak-peer.js';

export interface SoakOptions {
  readonly durationS: number;
  readonly peers: number;
  /** Child processes the peers are spread over. */
  readonly processes: number;
  readonly logger?: Logger;
}

/** The figures, in exactly the shape the issue asks for (the --json file). */
export interface SoakResult {
  peers: number;
  durationS: number;
  messages: { sent: number; delivered: number; lost: number };
  divergences: { unexpected: number };
  heapGrowthPct: number;
  leaked: { entries: number; timers: number; listeners: number };
}

export const SOAK_NODE_IP = '127.0.59.1';
export const soakPeerIp = (i: number): string => `127.0.58.${i + 1}`;
const NETWORK = 'poolshift-soak';
const TIMING = { keepAliveIntervalMs: 2000, staleAfterMs: 3000, reaperIntervalMs: 500, lockWaitBoundMs: 5000 };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

class Child {
  readonly #proc: ChildProcess;
  readonly #waiters = new Map<string, (e: SoakPeerEvent) => void>();
  constructor(config: SoakPeerConfig) {
    const here = import.meta.url;
    const ts = here.endsWith('.ts');
    const script = fileURLToPath(new URL(ts ? './soak-peer.ts' : './soak-peer.js', here));
    // From sources (tsx, vitest) the peers need tsx too; from dist they are plain JavaScript.
    this.#proc = fork(script, [JSON.stringify(config)], {
      execArgv: ts ? ['--import', 'tsx'] : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#proc.on('message', (e: SoakPeerEvent) => {
      const w = this.#waiters.get(e.event);
      this.#waiters.delete(e.event);
      w?.(e);
    });
  }
  next(event: SoakPeerEvent['event']): Promise<SoakPeerEvent> {
    return new Promise((resolve) => this.#waiters.set(event, resolve));
  }
  send(c: SoakPeerCommand): void {
    if (this.#proc.connected) this.#proc.send(c);
  }
  async report(drain = false): Promise<SoakPeerReport> {
    const next = this.next('report');
    this.send({ cmd: 'report', drain });
    return ((await next) as { report: SoakPeerReport }).report;
  }
  async stop(): Promise<void> {
    const stopped = this.next('stopped');
    this.send({ cmd: 'stop' });
    await Promise.race([stopped, sleep(5000)]);
    this.#proc.disconnect();
    await new Promise<void>((resolve) => {
      if (this.#proc.exitCode !== null) resolve();
      else this.#proc.once('exit', () => resolve());
      setTimeout(() => {
        this.#proc.kill('SIGKILL');
        resolve();
      }, 3000).unref();
    });
  }
}

export async function runSoak(options: SoakOptions): Promise<SoakResult & { detail: Record<string, unknown> }> {
  const log = options.logger ?? pino({ level: 'info' });
  const quiet = pino({ level: 'silent' });
  const identity = { network: NETWORK, nodeId: 'soak-node', version: '1.0.0', listenPort: 0 };
  const listener = new PeerListener({ host: SOAK_NODE_IP, port: 0, identity, logger: quiet, connection: { clock: systemClock, logger: quiet } });
  const { port } = await listener.listen();
  const nodeIdentity = { ...identity, listenPort: port };
  const pool = new DualModePool({
    identity: nodeIdentity,
    dialer: createDialer({ identity: nodeIdentity, localAddress: SOAK_NODE_IP, logger: quiet }),
    clock: systemClock,
    logger: quiet,
    mode: 'shadow',
    ...TIMING,
    limits: { maxPeers: options.peers + 56 },
    shadow: { snapshotIntervalMs: 2000 },
  });
  listener.on('peer', (c, info) => void pool.addConnectedPeer(c, info).catch(() => c.close('removed')));
  pool.start();

  const ips = Array.from({ length: options.peers }, (_, i) => soakPeerIp(i));
  const children: Child[] = [];
  const childOf = new Map<string, Child>();
  const per = Math.ceil(options.peers / options.processes);
  for (let p = 0; p < options.processes; p++) {
    const mine = ips.slice(p * per, (p + 1) * per);
    if (mine.length === 0) continue;
    const child = new Child({ target: `${SOAK_NODE_IP}:${port}`, network: NETWORK, ips: mine, staggerMs: 15 });
    children.push(child);
    for (const ip of mine) childOf.set(ip, child);
  }
  log.info({ peers: options.peers, processes: children.length, durationS: options.durationS }, 'soak: starting');
  const connectedCount = async (): Promise<number> => (await pool.getConnectedPeers()).length;
  const startDeadline = Date.now() + 15_000;
  while ((await connectedCount()) < options.peers && Date.now() < startDeadline) await sleep(100);
  log.info({ connected: await connectedCount(), listener: listener.stats(), refusals: listener.refusals(), children: (await Promise.all(children.map((c) => c.report()))).map((r) => [r.connects, r.open]) }, 'soak: peers connected');

  // Accounting: every send the pool reports done, by peer; broadcasts by their `sent` count. Sends
  // wait in `outstanding` until a peer reports them received; reports are drained every few
  // seconds, so the runner's own bookkeeping stays flat and does not pollute the heap figure.
  const outstanding = new Map<number, string>();
  const receivedEarly = new Map<number, string>();
  let sentAccounted = 0;
  let deliveredAccounted = 0;
  const settle = (n: number, ip: string): void => {
    if (outstanding.get(n) === ip) {
      outstanding.delete(n);
      deliveredAccounted++;
    } else receivedEarly.set(n, ip);
  };
  const drainReports = async (): Promise<SoakPeerReport[]> => {
    const reports = await Promise.all(children.map((c) => c.report(true)));
    for (const r of reports) for (const [ip, seqs] of Object.entries(r.received)) for (const n of seqs) settle(n, ip);
    return reports;
  };
  let seq = 0;
  let broadcastSent = 0;
  let sendFailures = 0;
  let churnPeer = 0;
  let churnNode = 0;
  const inFlight = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>): void => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(Math.random() * xs.length)];

  const started = Date.now();
  const endAt = started + options.durationS * 1000;
  const warmAt = started + Math.max(5000, options.durationS * 250);
  let heapWarm: number | undefined;
  let tick = 0;
  while (Date.now() < endAt) {
    tick++;
    const connected = await pool.getPeerIps();
    // Accounted sends to 20 random peers.
    for (let i = 0; i < 20; i++) {
      const ip = pick(connected);
      if (!ip) break;
      const n = ++seq;
      track(pool.sendToPeer(ip, { type: 'Custom', kind: 'soak', data: { seq: n } }).then(
        () => {
          sentAccounted++;
          // Received before the send's callback was seen here: settled at once.
          if (receivedEarly.get(n) === ip) {
            receivedEarly.delete(n);
            deliveredAccounted++;
          } else outstanding.set(n, ip);
        },
        () => void sendFailures++,
      ));
    }
    if (tick % 20 === 0) track(pool.broadcast({ type: 'Custom', kind: 'soak-broadcast', data: { tick } }).then((r) => void (broadcastSent += r.sent)));
    // Peers talk back.
    for (let i = 0; i < 5; i++) {
      const ip = pick(ips)!;
      childOf.get(ip)?.send({ cmd: 'talk', ip });
    }
    // Churn from both sides: a graceful close by the peer, or a removal by the node; the peer reconnects.
    if (tick % 5 === 0) {
      const ip = pick(ips)!;
      if (tick % 10 === 0) {
        churnNode++;
        track(pool.removeConnectedPeer(ip).catch(() => undefined));
      } else {
        churnPeer++;
        childOf.get(ip)?.send({ cmd: 'close', ip });
      }
    }
    if (tick % 100 === 0) await drainReports();
    if (heapWarm === undefined && Date.now() >= warmAt) {
      await Promise.allSettled([...inFlight]);
      heapWarm = heapUsed();
      log.info({ heapWarmMB: +(heapWarm / 2 ** 20).toFixed(1) }, 'soak: warmed up');
    }
    await sleep(50);
  }
  await Promise.allSettled([...inFlight]);
  // Same phase as the warm-up sample: peers connected, traffic stopped for the moment.
  const heapEnd = heapUsed();
  await sleep(500); // the last frames reach the peers
  const reports = await drainReports();
  const sideStats = (side: 'legacy' | 'unified') => {
    const st = pool.manager(side)?.getPoolStats();
    return st ? { total: st.total, disconnects: st.disconnects, refused: st.refused } : undefined;
  };
  const managers = { legacy: sideStats('legacy'), unified: sideStats('unified') };
  const verifier = pool.verifier.stats();
  const unexpected = Object.values(verifier.divergences).reduce((n, k) => n + k.unexpected, 0);
  const samples = Object.entries(pool.verifier.samples())
    .flatMap(([kind, list]) => (list as { known?: unknown }[]).filter((d) => !d.known).slice(0, 3).map((d) => ({ kind, ...d })));

  const broadcastsReceived = reports.reduce((n, r) => n + r.broadcastsReceived, 0);
  const sent = broadcastSent + sentAccounted;
  const delivered = broadcastsReceived + deliveredAccounted;
  const lostAccounted = outstanding.size;
  const lost = lostAccounted + Math.max(0, broadcastSent - broadcastsReceived);

  // Every peer leaves; the pool must then hold nothing for them once the reaper has passed.
  await Promise.all(children.map((c) => c.stop()));
  const drainDeadline = Date.now() + 10_000;
  while ((await connectedCount()) > 0 && Date.now() < drainDeadline) await sleep(100);
  await sleep(TIMING.staleAfterMs + 2 * TIMING.reaperIntervalMs);
  const before = pool.resources();
  await listener.close();
  await pool.close();
  const after = pool.resources();
  const result: SoakResult = {
    peers: options.peers,
    durationS: options.durationS,
    messages: { sent, delivered, lost },
    divergences: { unexpected },
    heapGrowthPct: +(((heapEnd - (heapWarm ?? heapEnd)) / (heapWarm ?? heapEnd)) * 100).toFixed(2),
    leaked: {
      entries: before.entries + after.entries,
      timers: before.timers + after.timers + after.backgroundTimers,
      listeners: before.socketListeners + after.socketListeners,
    },
  };
  const detail = {
    sendFailures,
    churn: { byPeer: churnPeer, byNode: churnNode },
    reconnects: reports.reduce((n, r) => n + r.connects, 0) - options.peers,
    verifier: { total: verifier.total, matched: verifier.matched, ignored: verifier.ignored, mismatched: verifier.mismatched, snapshotChecks: verifier.snapshotChecks },
    unexpectedSamples: samples,
    managers,
    knownDivergences: Object.values(verifier.divergences).reduce((n, k) => n + k.known, 0),
    heapMB: { warm: +((heapWarm ?? 0) / 2 ** 20).toFixed(1), end: +(heapEnd / 2 ** 20).toFixed(1) },
  };
  return { ...result, detail };
}

export const SOAK_TARGETS = ['lost', 'divergences', 'heap', 'leaks'] as const;
export type SoakTarget = (typeof SOAK_TARGETS)[number];

/** The targets a result misses, each with its reason. */
export function missedTargets(r: SoakResult): { target: SoakTarget; reason: string }[] {
  const missed: { target: SoakTarget; reason: string }[] = [];
  if (r.messages.lost > 0) missed.push({ target: 'lost', reason: `${r.messages.lost} messages lost` });
  if (r.divergences.unexpected > 0) missed.push({ target: 'divergences', reason: `${r.divergences.unexpected} unexpected divergences` });
  if (r.heapGrowthPct >= 10) missed.push({ target: 'heap', reason: `heap grew ${r.heapGrowthPct} % after warm-up` });
  const { entries, timers, listeners } = r.leaked;
  if (entries + timers + listeners > 0) missed.push({ target: 'leaks', reason: `leaked ${entries} entries, ${timers} timers, ${listeners} listeners` });
  return missed;
}
