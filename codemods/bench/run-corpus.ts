// Runs the codemod over the corpus of managers (corpus/entries.ts) as a user would, and checks
// each result: converted (compiles, its harness gives the same results as the original's, a second
// run changes nothing) or refused with the reason expected (the file untouched, still compiling).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import ts from 'typescript';
import { runCodemodCli, type CodemodCliOptions } from '../cli.js';
import { needsReview, type ManualSite } from '../reasons.js';
import { CORPUS, type CorpusEntry } from './corpus/entries.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const corpusDir = path.join(here, 'corpus');

export type Outcome = 'converted' | 'refused' | 'known-gap' | 'wrong';

export interface EntryResult {
  entry: CorpusEntry;
  outcome: Outcome;
  /** Codes of the sites to review (or DIFFERENT_KEYS), or NOT_FOUND when nothing was seen. */
  codes: string[];
  /** Flags `--detect` gave, for entries that use it. */
  flags: string[];
  /** What went wrong, or what the outcome rests on. */
  detail: string;
  /** The codemod's own run on the manager (load, analysis, write), in ms. */
  ms: number;
}

interface Report {
  files: { path: string; status: string; manualSites: ManualSite[] }[];
}

const BASE: CodemodCliOptions = {
  include: [],
  exclude: [],
  importFrom: path.join(root, 'unified/unified-peer-connection.js'),
  report: 'json',
  connectionsField: 'connections',
  peersField: 'peers',
  lastSeenField: 'lastSeen',
  lockSuffix: 'Lock',
};

async function cli(dir: string, opts: Partial<CodemodCliOptions>): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await runCodemodCli([dir], { ...BASE, ...opts }, {
    cwd: path.dirname(dir),
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    isTTY: false,
  });
  return { status, stdout, stderr };
}

/** `--connections-field sockets ...` from the `run:` line `--detect` prints. */
function parseFlags(detectOutput: string): Partial<CodemodCliOptions> & { list: string[] } {
  const line = detectOutput.split('\n').find((l) => l.trim().startsWith('run: '));
  const words = line ? line.trim().split(/\s+/) : [];
  const list = words.slice(words.findIndex((w) => w.startsWith('--')));
  const opts: Partial<CodemodCliOptions> & { list: string[] } = { list: line ? list : [] };
  for (let i = 0; line && i + 1 < list.length; i += 2) {
    const value = list[i + 1]!;
    if (list[i] === '--connections-field') opts.connectionsField = value;
    if (list[i] === '--peers-field') opts.peersField = value;
    if (list[i] === '--last-seen-field') opts.lastSeenField = value;
    if (list[i] === '--lock-suffix') opts.lockSuffix = value;
  }
  return opts;
}

/** Type errors in the folder's files, under the project's compiler options. */
function typeErrors(dir: string): string[] {
  const config = ts.readConfigFile(path.join(root, 'tsconfig.json'), (f) => ts.sys.readFile(f));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const files = ['kit.ts', ...['manager.ts', 'harness.ts'].map((f) => path.join('entry', f))].map((f) => path.join(dir, f));
  const program = ts.createProgram(files, { ...options, noEmit: true, rootDir: undefined, outDir: undefined });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
    return `${where}${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

type Harness = { run: () => Promise<unknown[]> };
const harnessOf = async (file: string): Promise<Harness> => (await import(pathToFileURL(file).href)) as Harness;

export async function runEntry(entry: CorpusEntry): Promise<EntryResult> {
  const work = mkdtempSync(path.join(tmpdir(), `poolshift-corpus-${entry.name}-`));
  const dir = path.join(work, 'entry');
  try {
    writeFileSync(path.join(work, 'package.json'), '{ "type": "module" }\n');
    // A harness on real sockets imports `ws`: the copy resolves it as the repository does.
    symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    cpSync(path.join(corpusDir, 'kit.ts'), path.join(work, 'kit.ts'));
    mkdirSync(dir);
    for (const f of ['manager.ts', 'harness.ts']) cpSync(path.join(corpusDir, entry.name, f), path.join(dir, f));
    const original = readFileSync(path.join(dir, 'manager.ts'), 'utf8');
    const result = (outcome: Outcome, codes: string[], detail: string, ms: number, flags: string[] = []): EntryResult => ({
      entry,
      outcome,
      codes,
      flags,
      detail,
      ms,
    });

    let flags: Partial<CodemodCliOptions> & { list: string[] } = { list: [] };
    if (entry.detect) {
      flags = parseFlags((await cli(dir, { detect: true })).stdout);
      if (flags.list.length === 0) return result('wrong', [], '--detect printed no command', 0);
    }
    const { list, ...detected } = flags;
    const named: Partial<CodemodCliOptions> = { ...detected, ...(entry.applyFixes ? { applyFixes: true } : {}) };
    const started = performance.now();
    const first = await cli(dir, { ...named, write: true });
    const ms = performance.now() - started;
    const report = JSON.parse(first.stdout) as Report;
    const file = report.files.find((f) => f.path.endsWith('entry/manager.ts'));
    const sites = file?.manualSites ?? [];
    const codes = sites.filter((m) => needsReview(m) || m.code === 'DIFFERENT_KEYS').map((m) => m.code).filter((c) => c !== 'CLASS_NOT_MIGRATED');
    const text = readFileSync(path.join(dir, 'manager.ts'), 'utf8');
    const errors = typeErrors(work);

    if (text === original) {
      // Refused (or not seen): left as it was, and still compiling.
      const seen = codes.length > 0 ? [...new Set(codes)] : ['NOT_FOUND'];
      if (errors.length > 0) return result('wrong', seen, `left as it was but does not compile: ${errors[0]}`, ms, list);
      const expected = 'refused' in entry.expected ? entry.expected.refused : undefined;
      if (expected && seen.includes(expected)) return result('refused', seen, `refused: ${seen.join(', ')}`, ms, list);
      if (entry.knownGap && seen.includes(entry.knownGap.refused)) return result('known-gap', seen, `known gap: ${entry.knownGap.why}`, ms, list);
      return result('wrong', seen, `refused with ${seen.join(', ')}, expected ${expected ?? 'a conversion'}`, ms, list);
    }

    // Converted: it must compile, behave the same, and stay as it is on a second run.
    if (!('converted' in entry.expected)) return result('wrong', codes, `converted, expected refused with ${entry.expected.refused}`, ms, list);
    if (errors.length > 0) return result('wrong', codes, `converted but does not compile: ${errors[0]}`, ms, list);
    const before = await (await harnessOf(path.join(corpusDir, entry.name, 'harness.ts'))).run();
    const after = await (await harnessOf(path.join(dir, 'harness.ts'))).run();
    if (!isDeepStrictEqual(before, after)) {
      return result('wrong', codes, `harness differs: before ${JSON.stringify(before)} after ${JSON.stringify(after)}`, ms, list);
    }
    await cli(dir, { ...named, write: true });
    if (readFileSync(path.join(dir, 'manager.ts'), 'utf8') !== text) return result('wrong', codes, 'a second run changed it again', ms, list);
    if (entry.knownGap) return result('converted', codes, `converted; the known gap (${entry.knownGap.refused}) is closed: remove knownGap`, ms, list);
    return result('converted', codes, 'converted: compiles, same harness results, second run changes nothing', ms, list);
  } finally {
    if (!process.env.KEEP_CORPUS) rmSync(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  }
}

export async function runCorpus(entries: readonly CorpusEntry[] = CORPUS): Promise<EntryResult[]> {
  const out: EntryResult[] = [];
  for (const entry of entries) out.push(await runEntry(entry));
  return out;
}
