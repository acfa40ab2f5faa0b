import { Command, Option } from 'commander';
import { createTwoFilesPatch } from 'diff';
import { siteFilter } from './analysis/analyze.js';
import { runCodemod, type FileResult } from './engine.js';
import { dirtyWorkTrees } from './git.js';
import { resolveOptions } from './options.js';
import { fullProgram, loadProject, type LoadedProject, type SourceSelection } from './project.js';
import { displayPath, jsonReport, textReport } from './report.js';
import { planWrites, writeRoots } from './targets.js';
import { diagnosticsOf, introducedDiagnostics } from './verify.js';
import { writeFileAtomic } from './write.js';

export interface CodemodCliOptions {
  project?: string;
  include: string[];
  exclude: string[];
  write?: boolean;
  allowDirty?: boolean;
  importFrom: string;
  report: 'text' | 'json';
  insertTodos?: boolean;
  applyFixes?: boolean;
  silent?: boolean;
  verify?: boolean;
  failOnManual?: boolean;
  connectionsField: string;
  peersField: string;
  lastSeenField: string;
  lockSuffix: string;
}

export interface CliIo {
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The progress line is shown only on a terminal. */
  isTTY: boolean;
}

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_NEEDS_REVIEW = 2;

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `poolshift codemod <paths...>`: the definition src/cli.ts mounts. */
export function codemodCommand(): Command {
  return new Command('codemod')
    .description('rewrite the three-map peer manager pattern (connections, peers, lastSeen) to one map of UnifiedPeerConnection')
    .argument('[paths...]', 'files or folders to rewrite (narrow the --project files)')
    .option('--project <tsconfig>', 'tsconfig whose files are rewritten (default: ./tsconfig.json when present)')
    .option('--include <glob>', 'only files matching this glob (repeatable)', collect, [])
    .option('--exclude <glob>', 'skip files matching this glob (repeatable)', collect, [])
    .option('--write', 'apply the changes (default: print a diff)')
    .option('--allow-dirty', 'write even when a git work tree written to has uncommitted changes')
    .option('--import-from <module>', 'where UnifiedPeerConnection is imported from (a path starting with . is made relative to each file)', 'poolshift')
    .addOption(new Option('--report <format>', 'report format').choices(['text', 'json']).default('text'))
    .option('--insert-todos', 'insert // TODO(poolshift): CODE comments above the sites that need review')
    .option(
      '--apply-fixes',
      'also convert partial inserts (connections + peers: one entry, lastSeen now) and partial deletes (the whole entry goes); changes behaviour, reported as FIXED_*',
    )
    .option('--verify', 'type-check the changed files and fail on any diagnostic the rewrite introduced')
    .option('--fail-on-manual', 'exit with 2 when sites need review')
    .option('--silent', 'print nothing; the exit status still tells')
    .option('--connections-field <name>', 'name of the connections map', 'connections')
    .option('--peers-field <name>', 'name of the peers map', 'peers')
    .option('--last-seen-field <name>', 'name of the lastSeen map', 'lastSeen')
    .option('--lock-suffix <suffix>', 'a map lock is named <map><suffix>', 'Lock')
    .action(async (paths: string[], opts: CodemodCliOptions) => {
      process.exitCode = await runCodemodCli(paths, opts, {
        cwd: process.cwd(),
        stdout: (t) => process.stdout.write(t),
        stderr: (t) => process.stderr.write(t),
        isTTY: process.stderr.isTTY === true,
      });
    });
}

/** The whole command, returning the exit status: 0 all went through, 1 an error, 2 sites to review. */
export async function runCodemodCli(paths: string[], opts: CodemodCliOptions, io: CliIo): Promise<number> {
  const started = performance.now();
  const say = (t: string): void => {
    if (!opts.silent) io.stdout(t);
  };
  const complain = (t: string): void => {
    if (!opts.silent) io.stderr(t);
  };

  const selection: SourceSelection = { cwd: io.cwd, project: opts.project, paths, include: opts.include, exclude: opts.exclude };
  const options = resolveOptions({
    fields: { connections: opts.connectionsField, peers: opts.peersField, lastSeen: opts.lastSeenField },
    lockSuffix: opts.lockSuffix,
    importFrom: opts.importFrom,
    insertTodos: opts.insertTodos === true,
    applyFixes: opts.applyFixes === true,
    cwd: io.cwd,
  });

  const progress = io.isTTY && !opts.silent ? progressLine(io) : undefined;
  let results: FileResult[];
  let loaded: LoadedProject;
  try {
    loaded = loadProject(selection, siteFilter(options));
    if (paths.length === 0 && !loaded.tsconfig) {
      complain('poolshift codemod: no paths given and no tsconfig.json here (use --project or name the paths)\n');
      return EXIT_ERROR;
    }
    results = runCodemod(loaded.program, loaded.selected, options, progress?.update);
  } catch (err) {
    progress?.done();
    complain(`poolshift codemod: ${(err as Error).message}\n`);
    return EXIT_ERROR;
  }
  progress?.done();

  const changed = results.filter((r) => r.status !== 'error' && r.after !== r.before);
  // Only under the paths given, never a read-only file; the others are marked skipped, with why.
  const targets = opts.write ? planWrites(changed, writeRoots(io.cwd, paths, loaded.tsconfig)) : new Map<FileResult, string>();
  if (!opts.allowDirty) {
    // Before anything is written: every repository written to must be clean, so git can undo it.
    const dirty = dirtyWorkTrees([...targets.values()]);
    for (const { root, changes } of dirty) {
      complain(`poolshift codemod: refusing to write: the git work tree ${root} has ${changes.length} uncommitted change(s); commit or stash them, or pass --allow-dirty\n`);
    }
    if (dirty.length > 0) return EXIT_ERROR;
  }
  let verifyFailed = false;
  const before = opts.verify && changed.length > 0 ? diagnosticsOf(fullProgram(loaded, new Map()), changed.map((r) => r.fileName)) : undefined;

  for (const [r, target] of targets) {
    try {
      writeFileAtomic(target, r.after);
    } catch (err) {
      r.status = 'error';
      r.error = `not written: ${(err as Error).message}`;
    }
  }

  if (before) {
    // After a write the files are read back from disk; in a dry run the new texts stand in for them.
    const texts = new Map(opts.write ? [] : changed.map((r) => [r.fileName, r.after] as const));
    const after = diagnosticsOf(fullProgram(loaded, texts), changed.map((r) => r.fileName));
    for (const [file, list] of introducedDiagnostics(before, after)) {
      verifyFailed = true;
      for (const d of list) complain(`${displayPath(io.cwd, file)}:${d}  (introduced by the rewrite)\n`);
    }
  }

  const elapsed = performance.now() - started;
  if (opts.report === 'json') {
    say(`${JSON.stringify(jsonReport(io.cwd, results, elapsed), null, 2)}\n`);
  } else {
    if (!opts.write) {
      for (const r of changed) {
        const p = displayPath(io.cwd, r.fileName);
        say(createTwoFilesPatch(`a/${p}`, `b/${p}`, r.before, r.after, undefined, undefined, { context: 3 }));
      }
    } else {
      const written = changed.filter((r) => targets.has(r) && r.status !== 'error');
      if (written.length > 0) say(`${written.map((r) => `wrote ${displayPath(io.cwd, r.fileName)}`).join('\n')}\n`);
    }
    say(textReport(io.cwd, results, elapsed));
  }
  if (verifyFailed) complain('poolshift codemod: --verify failed: the rewrite introduced type errors\n');

  // A skipped write leaves the migration unfinished (its class, or the modules reaching into it).
  if (verifyFailed || results.some((r) => r.status === 'error' || r.skip)) return EXIT_ERROR;
  if (opts.failOnManual && results.some((r) => r.status === 'needs-review')) return EXIT_NEEDS_REVIEW;
  return EXIT_OK;
}

function progressLine(io: CliIo): { update: (done: number, total: number) => void; done: () => void } {
  let last = 0;
  let shown = false;
  return {
    update: (done, total) => {
      const now = Date.now();
      if (now - last < 100 && done !== total) return;
      last = now;
      shown = true;
      io.stderr(`\r\x1b[Kpoolshift codemod: analysing ${done}/${total} files`);
    },
    done: () => {
      if (shown) io.stderr('\r\x1b[K');
    },
  };
}
