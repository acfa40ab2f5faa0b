import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDuration } from '../node/duration.js';
import type { RehearsalOptions } from './plan.js';
import type { RunInfo } from './report.js';

/** The package root: the nearest folder above this file with poolshift's package.json (src/ under tsx, dist/src/ when built). */
function packageRoot(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'poolshift') return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * poolshift's version, with the commit it runs from where it runs from a git checkout (`-dirty` when
 * the tree has changes): a report read a week later must say which build it judged.
 */
export function poolshiftVersion(): string {
  const root = packageRoot();
  if (root === undefined) return 'unknown';
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string };
  const git = spawnSync('git', ['describe', '--always', '--dirty', '--abbrev=7'], { cwd: root, encoding: 'utf8', timeout: 5000 });
  const commit = git.status === 0 ? git.stdout.trim() : '';
  return `${version ?? 'unknown'}${commit ? ` (${commit})` : ''}`;
}

export function runInfo(options: RehearsalOptions, startedAt: number): RunInfo {
  const { nodeCommand: _command, workDir: _workDir, ...rest } = options;
  return { startedAt: new Date(startedAt).toISOString(), version: poolshiftVersion(), node: process.version, options: rest };
}

/** The options as `poolshift rehearse` flags, every one spelled out (defaults included). */
export function optionFlags(o: RunInfo['options']): string {
  // formatDuration keeps two decimals of a second: 1125 ms would read 1.13s.
  const d = (ms: number): string => (ms % 10 === 0 ? formatDuration(ms) : `${ms}ms`);
  return [
    `--nodes ${o.nodes}`,
    ...(o.witness ? [] : ['--no-witness']),
    `--duration ${d(o.durationMs)}`,
    `--base-address ${o.baseAddress}`,
    `--port ${o.port}`,
    `--admin-port ${o.adminPort}`,
    `--keep-alive ${d(o.keepAliveMs)}`,
    `--ping-timeout ${d(o.pingTimeoutMs)}`,
    `--stale-after ${d(o.staleAfterMs)}`,
    `--snapshot-interval ${d(o.snapshotIntervalMs)}`,
    `--proposal-interval ${d(o.proposalIntervalMs)}`,
    `--settle ${d(o.settleMs)}`,
    ...(o.injectFault ? [`--inject-fault ${o.injectFault}`] : []),
  ].join(' ');
}
