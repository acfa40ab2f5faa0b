// `npm run bench:codemod`: the codemod end to end (load, type-aware analysis, edits, diffs) over a
// generated codebase (2,000 files by default, BENCH_FILES to change it), 10 % of them holding
// sites, beside the type checker's own cost on the same files (`tsc --noEmit`, through the
// compiler API), each in a child process of its own so that each peak memory is its own.
// Prints files/s, time and peak memory of each, and their ratios, from one run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { runCodemodCli, type CodemodCliOptions } from '../cli.js';
import { generateCodebase } from './generate-codebase.js';

interface JobResult {
  readonly ms: number;
  readonly peakMb: number;
  readonly detail: Record<string, number>;
}

/** The codemod over `dir`, as `poolshift codemod` runs it (a dry run with the JSON report). */
async function codemodJob(dir: string): Promise<Record<string, number>> {
  const options: CodemodCliOptions = {
    include: [],
    exclude: [],
    importFrom: './src/support.js',
    report: 'json',
    connectionsField: 'connections',
    peersField: 'peers',
    lastSeenField: 'lastSeen',
    lockSuffix: 'Lock',
  };
  let output = '';
  const status = await runCodemodCli([], options, { cwd: dir, stdout: (t) => (output += t), stderr: (t) => process.stderr.write(t), isTTY: false });
  const report = JSON.parse(output) as { totals: Record<string, number> };
  return { ...report.totals, status };
}

/** What `tsc --noEmit -p dir` does: the program from its tsconfig, every pre-emit diagnostic. */
function tscJob(dir: string): Record<string, number> {
  const file = path.join(dir, 'tsconfig.json');
  const config = ts.getParsedCommandLineOfConfigFile(file, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!config) throw new Error(`cannot read ${file}`);
  const program = ts.createProgram({ rootNames: config.fileNames, options: { ...config.options, noEmit: true } });
  return { files: config.fileNames.length, diagnostics: ts.getPreEmitDiagnostics(program).length };
}

const [, , mode, job, jobDir] = process.argv;
if (mode === '--child') {
  const started = performance.now();
  const detail = job === 'tsc' ? tscJob(jobDir!) : await codemodJob(jobDir!);
  const result: JobResult = { ms: performance.now() - started, peakMb: process.resourceUsage().maxRSS / 1024, detail };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const files = Number(process.env.BENCH_FILES ?? 2000);
  const dir = mkdtempSync(path.join(tmpdir(), 'poolshift-bench-'));
  try {
    const withSites = generateCodebase(dir, files, 0.1);
    const run = (name: 'codemod' | 'tsc'): JobResult => {
      const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', name, dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      if (child.status !== 0) throw new Error(`${name} failed (${child.status}): ${child.stderr.slice(-2000)}`);
      return JSON.parse(child.stdout.trim().split('\n').pop()!) as JobResult;
    };
    const codemod = run('codemod');
    const tsc = run('tsc');
    const totals = codemod.detail;
    console.log(`codemod benchmark: ${totals.files} files (${withSites} with sites), exit ${totals.status}`);
    console.log(`totals: ${JSON.stringify(totals)}`);
    console.log(`codemod: ${(codemod.ms / 1000).toFixed(2)} s, ${Math.round(totals.files! / (codemod.ms / 1000))} files/s (target >= 400), peak RSS ${Math.round(codemod.peakMb)} MB (target < 600; < 1,024 at 20,000 files)`);
    console.log(`tsc --noEmit on the same files: ${(tsc.ms / 1000).toFixed(2)} s, peak RSS ${Math.round(tsc.peakMb)} MB (${tsc.detail.diagnostics} diagnostics)`);
    console.log(`codemod / tsc: time ${(codemod.ms / tsc.ms).toFixed(2)}x, peak memory ${(codemod.peakMb / tsc.peakMb).toFixed(2)}x (target: below 1x, ahead of the type checker it relies on)`);
    if (totals.ok !== withSites) {
      console.error(`expected ${withSites} files rewritten, got ${totals.ok}`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
