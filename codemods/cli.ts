import { Command, Option } from 'commander';
import { createTwoFilesPatch } from 'diff';
import { siteFilter } from './analysis/analyze.js';
import { runCodemod, type FileResult } from './engine.js';
import { dirtyWorkTrees } from './git.js';
import { detectPeerPools, flagsFor, isComplete, matchesNames, type DetectedPool } from './analysis/detect.js';
import { MAP_ROLES, resolveOptions, type CodemodOptions } from './options.js';
import { needsReview } from './reasons.js';
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
  detect?: boolean;
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
    .option('--detect', 'find peer pools by the types and use of their maps, whatever they are called, and print the command to convert them; changes nothing')
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

  if (opts.detect) return detectCommand(paths, selection, options, say, complain);

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
  if (opts.verify) {
    // The checker reports nothing in such a file, before or after: --verify would pass blind.
    for (const r of changed.filter((c) => hasNoCheck(c.before))) {
      complain(`poolshift codemod: warning: ${displayPath(io.cwd, r.fileName)} has // @ts-nocheck: --verify cannot check it\n`);
    }
  }
  const before = opts.verify && changed.length > 0 ? diagnosticsOf(fullProgram(loaded, new Map()), changed.map((r) => r.fileName)) : undefined;

  for (const [r, target] of targets) {
    try {
      writeFileAtomic(target, r.after);
      // From now on the file is the new text: its sites are reported at their lines there.
      r.manualSites = r.manualSitesAfter;
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
  if (!results.some((r) => r.after !== r.before || r.manualSites.some(needsReview))) {
    // Nothing matched the names given: perhaps the pool is there under other names.
    const hint = namesHint(paths, selection, options);
    if (hint) (opts.report === 'json' ? complain : say)(hint);
  }
  if (verifyFailed) complain('poolshift codemod: --verify failed: the rewrite introduced type errors\n');

  // A skipped write leaves the migration unfinished (its class, or the modules reaching into it).
  if (verifyFailed || results.some((r) => r.status === 'error' || r.skip)) return EXIT_ERROR;
  if (opts.failOnManual && results.some((r) => r.status === 'needs-review')) return EXIT_NEEDS_REVIEW;
  return EXIT_OK;
}

/** `--detect`: the pools found by types and use, each with the command that converts it. */
function detectCommand(
  paths: string[],
  selection: SourceSelection,
  options: CodemodOptions,
  say: (t: string) => void,
  complain: (t: string) => void,
): number {
  let pools: DetectedPool[];
  try {
    pools = findPools(selection);
  } catch (err) {
    complain(`poolshift codemod: ${(err as Error).message}\n`);
    return EXIT_ERROR;
  }
  if (pools.length === 0) {
    say('no peer pool found: no class holds Map fields keyed alike with sockets (values with send()), times set from a clock, and info objects\n');
    return EXIT_OK;
  }
  const width = Math.max(...MAP_ROLES.map((r) => r.length)) + 1;
  for (const pool of pools) {
    say(`${displayPath(selection.cwd, pool.file)}:${pool.line}  class ${pool.className} (maps keyed by ${pool.keyType})\n`);
    for (const role of MAP_ROLES) {
      const found = pool.roles[role];
      say(`  ${`${role}:`.padEnd(width)} ${found ? `${found.field}  (${found.why})` : 'none found'}\n`);
    }
    if (isComplete(pool)) say(`  run: ${commandFor(paths, flagsFor(pool))}\n`);
    else say('  not the three-map pattern: the codemod converts classes with all three maps\n');
  }
  return EXIT_OK;
}

/** After a run that matched nothing: the flags that would match a pool found by its types, if any. */
function namesHint(paths: string[], selection: SourceSelection, options: CodemodOptions): string | undefined {
  let pools: DetectedPool[];
  try {
    // A pool under the names given was seen by the run (and told about, e.g. DIFFERENT_KEYS).
    const named = (p: DetectedPool): boolean => MAP_ROLES.every((r) => !p.roles[r] || p.roles[r].field === options.fields[r]);
    pools = findPools(selection).filter((p) => !matchesNames(p, options) && !named(p));
  } catch {
    return undefined;
  }
  if (pools.length === 0) return undefined;
  const names = MAP_ROLES.map((r) => options.fields[r]).join(', ');
  const lines = [`nothing matched the map names ${names}; by their types and use, these classes look like peer pools:`];
  for (const p of pools) {
    const where = `  ${displayPath(selection.cwd, p.file)}:${p.line}  class ${p.className}`;
    if (isComplete(p)) {
      lines.push(`${where}: ${commandFor(paths, flagsFor(p))}`);
    } else {
      // Two of the three maps: say which is missing rather than stay silent.
      const found = MAP_ROLES.filter((r) => p.roles[r]).map((r) => `${r}: ${p.roles[r]!.field}`);
      const missing = MAP_ROLES.filter((r) => !p.roles[r]);
      lines.push(`${where}: ${found.join(', ')}, but no ${missing.join(' or ')} map keyed by ${p.keyType}: not the three-map pattern (--detect says more)`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function findPools(selection: SourceSelection): DetectedPool[] {
  const loaded = loadProject(selection, /\bMap\b/);
  return detectPeerPools(loaded.program, loaded.selected);
}

function commandFor(paths: readonly string[], flags: readonly string[]): string {
  const quote = (a: string): string => (/^[\w./@:-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['npx poolshift codemod', ...paths.map(quote), ...flags.map(quote)].join(' ');
}

const hasNoCheck = (text: string): boolean => /^\s*\/\/\s*@ts-nocheck\b/m.test(text.slice(0, 4096));

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
