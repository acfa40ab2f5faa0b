import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { CONTROL_ENV, type ControlCommand, type ControlEvent, type NodeStatus } from '../node/control-channel.js';

export type NodeState = 'starting' | 'up' | 'stopped' | 'down';

export interface ClusterNodeEvents {
  event: [event: ControlEvent];
  /** The process exited; `expected` when the rehearsal caused it. */
  exit: [info: { code: number | null; signal: NodeJS.Signals | null; expected: boolean }];
}

export interface ClusterNodeOptions {
  /** How to run the `poolshift` CLI: the executable and its leading arguments. */
  readonly command: readonly string[];
  /** Arguments after `node`. */
  readonly args: readonly string[];
  /** The node's stdout and stderr go here (appended: one file across restarts). */
  readonly logFile: string;
}

/** The rehearsal's environment minus the flag variables a user may have set (the rehearsal gives each node its flag). */
function nodeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [CONTROL_ENV]: 'ipc' };
  for (const name of ['POOLSHIFT_MODE', 'POOLSHIFT_FLAG_FILE', 'POOLSHIFT_FLAG_SOURCE']) delete env[name];
  return env;
}

/** An incarnation set aside by `retire()`: no longer the node's, still a process to freeze and end. */
export interface RetiredProcess {
  readonly pid: number | undefined;
  /** SIGSTOP: it hangs with its sockets open. */
  freeze(): void;
  /** SIGKILL; resolves once it is gone. */
  kill(): Promise<void>;
}

/**
 * One `poolshift node` child process of the rehearsal, spoken to over IPC. It can be killed,
 * frozen, resumed, stopped and started again; each start is a new incarnation. `retire()` sets
 * the running process aside (still running, no longer reporting) so that a new incarnation can
 * start beside it: a node restarted while its old process still holds its sockets.
 */
export class ClusterNode extends EventEmitter<ClusterNodeEvents> {
  readonly name: string;
  readonly ip: string;
  readonly #options: ClusterNodeOptions;
  #args: readonly string[];
  #child: ChildProcess | undefined;
  readonly #retired = new Set<ChildProcess>();
  #state: NodeState = 'down';
  #incarnation = 0;
  #expectExit = false;
  #nextId = 1;
  readonly #replies = new Map<number, (s: NodeStatus | undefined) => void>();

  constructor(name: string, ip: string, options: ClusterNodeOptions) {
    super();
    this.name = name;
    this.ip = ip;
    this.#options = options;
    this.#args = options.args;
  }

  /** The arguments the next start uses (a replacement starts with another port or version). */
  setArgs(args: readonly string[]): void {
    this.#args = args;
  }

  get state(): NodeState {
    return this.#state;
  }

  get incarnation(): number {
    return this.#incarnation;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Spawns the process; resolves on its 'ready' event (rejects if it exits first). */
  start(): Promise<Extract<ControlEvent, { event: 'ready' }>> {
    if (this.#child) return Promise.reject(new Error(`${this.name} is already running`));
    const [exe, ...lead] = this.#options.command;
    const fd = openSync(this.#options.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(exe!, [...lead, 'node', ...this.#args], {
        stdio: ['ignore', fd, fd, 'ipc'],
        env: nodeEnv(),
      });
    } finally {
      closeSync(fd);
    }
    this.#child = child;
    this.#state = 'starting';
    this.#incarnation++;
    this.#expectExit = false;
    return new Promise((resolve, reject) => {
      const onMessage = (raw: unknown): void => {
        const e = raw as ControlEvent;
        if (e.event === 'reply') {
          const done = this.#replies.get(e.id);
          this.#replies.delete(e.id);
          done?.(e.status);
          return;
        }
        if (e.event === 'ready') {
          this.#state = 'up';
          resolve(e);
        }
        this.emit('event', e);
      };
      child.on('message', onMessage);
      child.on('error', (err) => reject(err));
      child.once('exit', (code, signal) => {
        child.off('message', onMessage);
        // A retired incarnation's end is not the node's: the node runs on in its successor.
        if (this.#retired.delete(child)) return;
        if (this.#child === child) this.#child = undefined;
        this.#state = 'down';
        for (const done of this.#replies.values()) done(undefined);
        this.#replies.clear();
        const expected = this.#expectExit;
        reject(new Error(`${this.name} exited before it was ready (code ${code}, signal ${signal}); see ${this.#options.logFile}`));
        this.emit('exit', { code, signal, expected });
      });
    });
  }

  /**
   * Sets the running process aside: it keeps running (and its sockets open) but is no longer this
   * node's: its events are no longer heard, its exit is not reported, and `start()` may run a new
   * incarnation beside it. Undefined when nothing runs.
   */
  retire(): RetiredProcess | undefined {
    const child = this.#child;
    if (!child || this.#state === 'starting') return undefined;
    child.removeAllListeners('message');
    if (child.connected) child.disconnect();
    this.#retired.add(child);
    this.#child = undefined;
    this.#state = 'down';
    for (const done of this.#replies.values()) done(undefined);
    this.#replies.clear();
    return {
      pid: child.pid,
      freeze: () => void (child.exitCode === null && child.signalCode === null && child.kill('SIGSTOP')),
      kill: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const gone = this.#exited(child);
        child.kill('SIGKILL');
        await gone;
      },
    };
  }

  /** The node's status, or undefined if it does not answer within `timeoutMs` (frozen, gone). */
  status(timeoutMs = 1000): Promise<NodeStatus | undefined> {
    const child = this.#child;
    if (!child || this.#state !== 'up' || !child.connected) return Promise.resolve(undefined);
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#replies.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.#replies.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      this.#send({ cmd: 'status', id });
    });
  }

  propose(hash: string, height: number): boolean {
    if (this.#state !== 'up') return false;
    return this.#send({ cmd: 'propose', hash, height });
  }

  /** Asks the node to drop its connection to `peer` (host:port) and dial it again at once. */
  redial(peer: string): boolean {
    if (this.#state !== 'up') return false;
    return this.#send({ cmd: 'redial', peer });
  }

  /** The node sends a close frame on every connection and stops itself before any handshake ends (see ControlCommand 'hang-closing'). */
  hangClosing(): boolean {
    if (this.#state !== 'up' || !this.#send({ cmd: 'hang-closing' })) return false;
    this.#state = 'stopped';
    return true;
  }

  /** SIGKILL: no goodbye, the kernel closes the sockets. Resolves once the process is gone. */
  kill(): Promise<void> {
    return this.#signal('SIGKILL');
  }

  /** SIGTERM: the node says goodbye and exits 0. */
  leave(): Promise<void> {
    return this.#signal('SIGTERM');
  }

  /** SIGSTOP: the process freezes with its sockets open: a half-open peer. */
  freeze(): void {
    if (!this.#child || this.#state !== 'up') return;
    this.#child.kill('SIGSTOP');
    this.#state = 'stopped';
  }

  resume(): void {
    if (!this.#child || this.#state !== 'stopped') return;
    this.#child.kill('SIGCONT');
    this.#state = 'up';
  }

  /** Ends the process whatever its state (resumed first if frozen, then SIGTERM, then SIGKILL). */
  async shutdown(graceMs = 3000): Promise<void> {
    await Promise.all([...this.#retired].map((c) => this.#killRetired(c)));
    const child = this.#child;
    if (!child) return;
    if (this.#state === 'stopped') this.resume();
    const gone = this.#exited(child);
    this.#expectExit = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }

  /** Last resort on process exit: synchronous, no waiting. */
  killNow(): void {
    for (const c of this.#retired) {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    const child = this.#child;
    if (!child) return;
    try {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }

  #send(command: ControlCommand): boolean {
    const child = this.#child;
    if (!child?.connected) return false;
    try {
      child.send(command);
      return true;
    } catch {
      return false;
    }
  }

  async #signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#expectExit = true;
    if (this.#state === 'stopped' && signal !== 'SIGKILL') child.kill('SIGCONT');
    const gone = this.#exited(child);
    child.kill(signal);
    await gone;
  }

  async #killRetired(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = this.#exited(child);
    child.kill('SIGKILL');
    await gone;
  }

  #exited(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => child.once('exit', () => resolve()));
  }
}
