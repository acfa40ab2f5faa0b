import { spawnSync } from 'node:child_process';

function git(cwd: string, args: string[], input?: string): { status: number | null; stdout: string } {
  const r = spawnSync('git', args, { cwd, input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.error ? null : r.status, stdout: r.stdout ?? '' };
}

export function isGitWorkTree(cwd: string): boolean {
  const r = git(cwd, ['rev-parse', '--is-inside-work-tree']);
  return r.status === 0 && r.stdout.trim() === 'true';
}

/** Uncommitted changes (tracked or untracked) in the work tree holding `cwd`, as porcelain lines. */
export function uncommittedChanges(cwd: string): string[] {
  if (!isGitWorkTree(cwd)) return [];
  return git(cwd, ['status', '--porcelain']).stdout.split('\n').filter(Boolean);
}

/** The subset of `files` (absolute paths) that git ignores; empty outside a work tree. */
export function gitIgnored(cwd: string, files: readonly string[]): Set<string> {
  if (files.length === 0 || !isGitWorkTree(cwd)) return new Set();
  const r = git(cwd, ['check-ignore', '--stdin'], files.join('\n'));
  return new Set(r.stdout.split('\n').filter(Boolean));
}
