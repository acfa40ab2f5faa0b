import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PoolMode } from '../dual/modes.js';
import { evaluateFleetGate, type FleetVerdict } from '../fleet/fleet-gate.js';
import { PrometheusApi } from '../fleet/prometheus-api.js';
import { PrometheusServer } from '../fleet/prometheus-server.js';
import type { ControlEvent } from '../node/control-channel.js';
import { ClusterNode } from './cluster-node.js';
import { nodeAddresses } from './plan.js';
import { rolloutDefinition, type RolloutOptions } from './rollout-plan.js';

/** One node's mode from `at` (ms since the start): its lane in the report. */
export interface ModeSpan {
  readonly mode: string;
  readonly at: number;
}

/** One ask of the fleet gate between stages. */
export interface GateDecision {
  readonly at: number;
  readonly before: string;
  readonly open: boolean;
  /** `node: condition` for each node that held it, as the gate printed them. */
  readonly heldBy: readonly string[];
}

export interface RolloutStage {
  readonly name: string;
  readonly at: number;
  /** The nodes the definition put in each mode at this stage. */
  readonly live: readonly string[];
}

export interface RolloutResult {
  readonly verdict: 'pass' | 'fail';
  readonly reasons: readonly string[];
  readonly nodes: readonly string[];
  readonly durationMs: number;
  readonly stages: readonly RolloutStage[];
  readonly gate: readonly GateDecision[];
  readonly lanes: Readonly<Record<string, readonly ModeSpan[]>>;
  /** The canary was rolled back when the gate named it: the fault, and how long detection took. */
  readonly rollback: { readonly fault: string; readonly plantedAt: number; readonly heldAt: number | null; readonly rolledBackAt: number | null } | null;
}

/** Up to this many neighbours dialled per node: a fleet is no full mesh (20 nodes: 80 connections, not 190). */
const DIALS_PER_NODE = 4;

/**
 * The addresses node `i` dials: all those after it while the fleet is small enough for a full
 * mesh, else the next DIALS_PER_NODE around the ring. Each pair is dialled by one side only.
 */
export function dialled(ips: readonly string[], i: number): string[] {
  if (ips.length <= 2 * DIALS_PER_NODE + 1) return ips.slice(i + 1);
  return Array.from({ length: DIALS_PER_NODE }, (_, k) => ips[(i + 1 + k) % ips.length]!);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * A canary roll-out on a local cluster, driven by one flagd definition and held by the
 * fleet-wide gate read from a real Prometheus: all nodes to shadow; the canary live; the canary
 * restarted with a bad build (a planted fault), the gate holds naming it, the canary rolled back
 * and restarted good; then half the fleet live, then all of it, the gate asked between each.
 */
export class RolloutRehearsal {
  readonly #o: RolloutOptions;
  readonly #nodes: ClusterNode[] = [];
  readonly #lanes = new Map<string, ModeSpan[]>();
  readonly #stages: RolloutStage[] = [];
  readonly #gate: GateDecision[] = [];
  readonly #reasons: string[] = [];
  readonly #onProgress: (line: string) => void;
  readonly #definition: string;
  #rollback: RolloutResult['rollback'] = null;
  #prometheus: PrometheusServer | undefined;
  #api: PrometheusApi | undefined;
  #traffic: NodeJS.Timeout | undefined;
  #t0 = 0;
  #seq = 0;

  constructor(options: RolloutOptions, onProgress: (line: string) => void = () => undefined) {
    this.#o = options;
    this.#onProgress = onProgress;
    this.#definition = join(options.workDir, 'fleet.flagd.json');
  }

  async run(): Promise<RolloutResult> {
    this.#t0 = Date.now();
    try {
      await this.#start();
      await this.#walk();
    } catch (err) {
      this.#reasons.push(`roll-out aborted: ${(err as Error).message}`);
    } finally {
      clearInterval(this.#traffic);
      await Promise.all(this.#nodes.map((n) => n.shutdown()));
      await this.#prometheus?.stop();
    }
    const lanes = Object.fromEntries([...this.#lanes].map(([k, v]) => [k, v]));
    return {
      verdict: this.#reasons.length === 0 ? 'pass' : 'fail',
      reasons: this.#reasons,
      nodes: this.#nodes.map((n) => n.name),
      durationMs: Date.now() - this.#t0,
      stages: this.#stages,
      gate: this.#gate,
      lanes,
      rollback: this.#rollback,
    };
  }

  /** Ends every process now (SIGKILL), synchronously: for process exit. */
  killAll(): void {
    for (const n of this.#nodes) n.killNow();
  }

  async #start(): Promise<void> {
    const o = this.#o;
    mkdirSync(o.workDir, { recursive: true });
    this.#write('legacy');
    const ips = nodeAddresses(o.baseAddress, o.nodes + 1);
    const nodeIps = ips.slice(0, o.nodes);
    nodeIps.forEach((ip, i) => {
      const name = `n${i + 1}`;
      const peers = dialled(nodeIps, i).map((p) => `${p}:${o.port}`);
      const node = new ClusterNode(name, ip, { command: o.nodeCommand, args: this.#args(name, ip, peers), logFile: join(o.workDir, `${name}.log`) });
      node.on('event', (e) => this.#onEvent(node, e));
      node.on('exit', ({ code, signal, expected }) => {
        if (!expected) this.#reasons.push(`${name} exited unexpectedly (code ${code}, signal ${signal})`);
      });
      this.#lanes.set(name, []);
      this.#nodes.push(node);
    });
    this.#progress(`starting ${o.nodes} nodes on ${nodeIps[0]}..${nodeIps[nodeIps.length - 1]}, flag source flagd:${this.#definition} (logs in ${o.workDir})`);
    await Promise.all(this.#nodes.map((n) => n.start()));
    const host = ips[o.nodes]!;
    this.#prometheus = await PrometheusServer.start({ binary: o.prometheusBinary, host, port: o.prometheusPort, targets: nodeIps.map((ip) => `${ip}:${o.adminPort}`), dir: join(o.workDir, 'prometheus'), scrapeIntervalMs: 1000 });
    this.#api = new PrometheusApi(this.#prometheus.url);
    this.#progress(`Prometheus on ${this.#prometheus.url} scraping every node's /metrics with poolshift's rules`);
    this.#traffic = setInterval(() => this.#propose(), o.proposalIntervalMs);
  }

  #args(name: string, ip: string, peers: string[], fault?: string): string[] {
    const o = this.#o;
    return [
      '--listen', `${ip}:${o.port}`,
      '--admin', `${ip}:${o.adminPort}`,
      '--node-id', name,
      '--network', 'poolshift-rollout',
      '--flag-source', `flagd:${this.#definition}`,
      '--keep-alive', String(o.keepAliveMs),
      '--stale-after', String(4 * o.keepAliveMs),
      '--reaper-interval', String(Math.round(o.keepAliveMs / 2)),
      '--redial-interval', String(Math.round(o.keepAliveMs / 2)),
      '--snapshot-interval', '250',
      '--gate-min-checks', '5',
      '--gate-min-duration', String(o.keepAliveMs),
      '--log-format', 'json',
      ...(peers.length > 0 ? ['--peers', peers.join(',')] : []),
      ...(fault ? ['--inject-fault', fault] : []),
    ];
  }

  async #walk(): Promise<void> {
    const names = this.#nodes.map((n) => n.name);
    const [canary] = names as [string];
    const half = names.slice(0, Math.ceil(names.length / 2));
    await this.#stage('all shadow', 'shadow', {});
    if (!(await this.#gateOpens('canary live'))) return;
    await this.#stage('canary live', 'shadow', { live: [canary] });
    await this.#badCanary(canary);
    if (this.#reasons.length > 0) return;
    if (!(await this.#gateOpens('half live'))) return;
    await this.#stage('half live', 'shadow', { live: half });
    if (!(await this.#gateOpens('all live'))) return;
    await this.#stage('all live', 'live', {});
  }

  /** The canary restarted with a bad build: the fleet gate must hold, naming it; it is rolled back and restarted good. */
  async #badCanary(name: string): Promise<void> {
    const o = this.#o;
    const node = this.#nodes.find((n) => n.name === name)!;
    const peers = dialled(this.#nodes.map((n) => n.ip), this.#nodes.indexOf(node)).map((p) => `${p}:${o.port}`);
    this.#progress(`${name} restarted with a bad build (fault planted in its unified manager: ${o.canaryFault})`);
    await node.shutdown();
    node.setArgs(this.#args(name, node.ip, peers, o.canaryFault));
    await node.start();
    const plantedAt = this.#now();
    this.#rollback = { fault: o.canaryFault, plantedAt, heldAt: null, rolledBackAt: null };
    const held = await this.#askGate('bad canary', (v) => !v.open && v.nodes.some((n) => n.nodeId === name && n.unexpected > 0));
    if (!held) {
      this.#reasons.push(`the fleet gate never held on ${name}'s planted fault (${o.canaryFault}) within ${o.gateTimeoutMs} ms`);
      return;
    }
    this.#rollback = { ...this.#rollback, heldAt: this.#now() };
    await this.#stage(`${name} rolled back`, 'shadow', { legacy: [name] });
    this.#rollback = { ...this.#rollback, rolledBackAt: this.#now() };
    this.#progress(`${name} restarted with the good build`);
    await node.shutdown();
    node.setArgs(this.#args(name, node.ip, peers));
    await node.start();
    await this.#stage('canary live again', 'shadow', { live: [name] });
  }

  /** Writes the definition and waits until every node is in the mode it gives it. */
  async #stage(name: string, base: PoolMode, byMode: Partial<Record<PoolMode, readonly string[]>>): Promise<void> {
    this.#write(base, byMode);
    const want = (n: string): string => Object.entries(byMode).find(([, ids]) => ids.includes(n))?.[0] ?? base;
    this.#stages.push({ name, at: this.#now(), live: this.#nodes.map((n) => n.name).filter((n) => want(n) === 'live') });
    this.#progress(`flagd definition -> ${name}`);
    const deadline = Date.now() + this.#o.gateTimeoutMs;
    while (this.#nodes.some((n) => this.#mode(n.name) !== want(n.name))) {
      if (Date.now() > deadline) {
        const behind = this.#nodes.filter((n) => this.#mode(n.name) !== want(n.name)).map((n) => `${n.name} in ${this.#mode(n.name)}, not ${want(n.name)}`);
        throw new Error(`stage ${name} not reached: ${behind.join('; ')}`);
      }
      await sleep(100);
    }
    await sleep(this.#o.soakMs);
  }

  /** Asks the fleet gate (stage live) until it opens; a roll-out that the gate holds stops there. */
  async #gateOpens(next: string): Promise<boolean> {
    const open = await this.#askGate(next, (v) => v.open);
    if (!open) this.#reasons.push(`the fleet gate held before ${next} for ${this.#o.gateTimeoutMs} ms: ${this.#gate.at(-1)?.heldBy.join('; ') ?? 'no answer'}`);
    return open;
  }

  async #askGate(before: string, done: (v: FleetVerdict) => boolean): Promise<boolean> {
    const deadline = Date.now() + this.#o.gateTimeoutMs;
    for (;;) {
      const v = await evaluateFleetGate(this.#api!, { stage: 'live', windowMs: this.#o.gateWindowMs, minChecks: 5, expectNodes: this.#nodes.length });
      const heldBy = [...v.fleetHolds.map((h) => `fleet: ${h}`), ...v.nodes.filter((n) => n.holds.length > 0).map((n) => `${n.nodeId ?? n.instance}: ${n.holds.join('; ')}`)];
      const last = this.#gate.at(-1);
      // One decision per change, not per poll.
      if (!last || last.before !== before || last.open !== v.open || last.heldBy.join() !== heldBy.join()) {
        this.#gate.push({ at: this.#now(), before, open: v.open, heldBy });
        this.#progress(`fleet gate before ${before}: ${v.open ? 'open' : `held by ${heldBy.join(' | ')}`}`);
      }
      if (done(v)) return true;
      if (Date.now() > deadline) return false;
      await sleep(1000);
    }
  }

  #write(base: PoolMode, byMode: Partial<Record<PoolMode, readonly string[]>> = {}): void {
    writeFileSync(`${this.#definition}.tmp`, rolloutDefinition(base, byMode));
    renameSync(`${this.#definition}.tmp`, this.#definition);
  }

  #onEvent(node: ClusterNode, e: ControlEvent): void {
    if (e.event !== 'ready' && e.event !== 'mode') return;
    const lane = this.#lanes.get(node.name)!;
    if (lane.at(-1)?.mode !== e.mode) lane.push({ mode: e.mode, at: this.#now() });
  }

  #mode(name: string): string | undefined {
    return this.#lanes.get(name)?.at(-1)?.mode;
  }

  #propose(): void {
    const up = this.#nodes.filter((n) => n.state === 'up');
    if (up.length === 0) return;
    const seq = ++this.#seq;
    up[seq % up.length]!.propose(`r${seq}`, seq);
  }

  #now(): number {
    return Date.now() - this.#t0;
  }

  #progress(line: string): void {
    this.#onProgress(`${(this.#now() / 1000).toFixed(1).padStart(6)} s  ${line}`);
  }
}
