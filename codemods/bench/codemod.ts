// `npm run bench:codemod`: the codemod end to end (load, type-aware analysis, edits, diffs) over a
// generated codebase of 2,000 files, 10 % of them holding sites. Prints files/s and peak memory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCodemodCli, type CodemodCliOptions } from '../cli.js';
import { generateCodebase } from './generate-codebase.js';

const FILES = Number(process.env.BENCH_FILES ?? 2000);
const dir = mkdtempSync(path.join(tmpdir(), 'poolshift-bench-'));
try {
  const withSites = generateCodebase(dir, FILES, 0.1);
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
  const started = performance.now();
  const status = await runCodemodCli([], options, {
    cwd: dir,
    stdout: (t) => (output += t),
    stderr: (t) => process.stderr.write(t),
    isTTY: false,
  });
  const ms = performance.now() - started;
  const report = JSON.parse(output) as { totals: Record<string, number> };
  const peakMb = process.resourceUsage().maxRSS / 1024;
  const filesPerSecond = report.totals.files! / (ms / 1000);
  console.log(`codemod benchmark: ${report.totals.files} files (${withSites} with sites), exit ${status}`);
  console.log(`totals: ${JSON.stringify(report.totals)}`);
  console.log(`time: ${(ms / 1000).toFixed(2)} s, ${Math.round(filesPerSecond)} files/s (target >= 400)`);
  console.log(`peak memory (max RSS): ${Math.round(peakMb)} MB (target < 600)`);
  if (report.totals.ok !== withSites) {
    console.error(`expected ${withSites} files rewritten, got ${report.totals.ok}`);
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
