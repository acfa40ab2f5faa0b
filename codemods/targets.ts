import { accessSync, constants, lstatSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FileResult } from './engine.js';
import { skip, type WriteSkip } from './skips.js';

/**
 * The folders `--write` may write in, as real paths: the paths given on the command line or, with
 * none, the tsconfig's folder. A folder reached through a symlink is the folder it points to.
 */
export function writeRoots(cwd: string, paths: readonly string[], tsconfig: string | undefined): string[] {
  const given = paths.length > 0 ? paths.map((p) => path.resolve(cwd, p)) : [tsconfig ? path.dirname(tsconfig) : cwd];
  return given.map((p) => realpathSync(p));
}

/**
 * The real path each changed file is written to. A file that cannot be written safely is marked
 * `skipped` with its reason (one whose real path cannot be read, `error`) and left out: the others
 * are still written.
 */
export function planWrites(changed: readonly FileResult[], roots: readonly string[]): Map<FileResult, string> {
  const targets = new Map<FileResult, string>();
  for (const r of changed) {
    let decided: ReturnType<typeof writeTarget>;
    try {
      decided = writeTarget(r.fileName, roots);
    } catch (err) {
      r.status = 'error';
      r.error = `not written: ${(err as Error).message}`;
      continue;
    }
    if ('target' in decided) {
      targets.set(r, decided.target);
    } else {
      r.status = 'skipped';
      r.edits = 0;
      r.skip = decided.skip;
    }
  }
  return targets;
}

/**
 * Where the new text of `file` goes: its real path, so a symlinked file stays a link and its
 * target is rewritten. Skipped when that real path is outside `roots` (git there cannot restore
 * it) or the file is read-only.
 */
export function writeTarget(file: string, roots: readonly string[]): { target: string } | { skip: WriteSkip } {
  const target = realpathSync(file);
  if (!roots.some((root) => isInside(root, target))) {
    return { skip: skip(lstatSync(file).isSymbolicLink() ? 'symlink-outside-tree' : 'outside-tree', target) };
  }
  const mode = statSync(target).mode;
  if (isReadOnly(target, mode)) return { skip: skip('read-only', `mode ${(mode & 0o777).toString(8)}`) };
  return { target };
}

function isInside(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * No write bit at all, or none for this user. The mode is read first because root may write any
 * file (access() says yes), and a rename would replace it anyway: neither asks the file's bits.
 */
function isReadOnly(file: string, mode: number): boolean {
  if ((mode & 0o222) === 0) return true;
  try {
    accessSync(file, constants.W_OK);
    return false;
  } catch {
    return true;
  }
}
