import { spawnSync } from 'node:child_process';
import path from 'node:path';

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

/**
 * The git work trees holding `files` (absolute paths) that have uncommitted changes, by their top
 * folder. Each file's own repository is asked, not the one the command runs from: that is the one
 * `git checkout` would restore the file from. Files outside any work tree are not checked.
 */
export function dirtyWorkTrees(files: readonly string[]): { root: string; changes: string[] }[] {
  const roots = new Set<string>();
  for (const folder of new Set(files.map((f) => path.dirname(f)))) {
    const r = git(folder, ['rev-parse', '--show-toplevel']);
    if (r.status === 0 && r.stdout.trim() !== '') roots.add(r.stdout.trim());
  }
  return [...roots]
    .sort()
    .map((root) => ({ root, changes: uncommittedChanges(root) }))
    .filter((d) => d.changes.length > 0);
}

/** The subset of `files` (absolute paths) that git ignores; empty outside a work tree. */
export function gitIgnored(cwd: string, files: readonly string[]): Set<string> {
  if (files.length === 0 || !isGitWorkTree(cwd)) return new Set();
  const r = git(cwd, ['check-ignore', '--stdin'], files.join('\n'));
  return new Set(r.stdout.split('\n').filter(Boolean));
}
