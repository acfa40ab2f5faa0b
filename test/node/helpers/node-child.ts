import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../helpers/wait.js';

export const CLI = fileURLToPath(new URL('../../../src/cli.ts', import.meta.url));

export interface NodeChild {
  readonly child: ChildProcess;
  /** stdout lines, parsed when they are JSON. */
  readonly lines: string[];
  readonly stderr: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The JSON log lines whose msg matches. */
  logs(msg: string | RegExp): Record<string, unknown>[];
  waitForLog(msg: string | RegExp, what?: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Runs `poolshift <args>` as a real child process (through tsx), collecting its output. With
 * `fdLimit`, under `ulimit -n <fdLimit>` (bash execs node, so the child is the node itself).
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, options: { fdLimit?: number } = {}): NodeChild {
  const node = [process.execPath, '--import', 'tsx', CLI, ...args];
  const [command, ...argv] = options.fdLimit === undefined ? node : ['bash', '-c', `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, ...node];
  const child = spawn(command!, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  let outBuf = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    outBuf += chunk;
    const parts = outBuf.split('\n');
    outBuf = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      if (outBuf) lines.push(outBuf);
      resolve({ code, signal });
    });
  });
  const logs = (msg: string | RegExp): Record<string, unknown>[] => {
    const out: Record<string, unknown>[] = [];
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const rec = JSON.parse(line) as Record<string, unknown>;
      const m = String(rec.msg);
      if (typeof msg === 'string' ? m === msg : msg.test(m)) out.push(rec);
    }
    return out;
  };
  return {
    child,
    lines,
    stderr,
    exited,
    logs,
    async waitForLog(msg, what = String(msg), timeoutMs = 15_000) {
      await waitFor(() => logs(msg).length > 0 || child.exitCode !== null, what, timeoutMs);
      const found = logs(msg)[0];
      if (!found) throw new Error(`process exited before logging ${what}: ${stderr.join('')}${lines.slice(-5).join('\n')}`);
      return found;
    },
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

export async function getJson(url: string): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(url);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}
