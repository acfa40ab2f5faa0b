import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { scalingChart } from './chart.js';
import { formatMarkdown, formatReport, toJson } from './report.js';
import { runBench } from './run.js';

async function write(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}

/** `poolshift bench`: legacy, unified, the dual-mode pool and a baseline, side by side in one run. */
export function benchCommand(): Command {
  return new Command('bench')
    .description('measure legacy against unified (and the dual-mode pool) against a bare baseline, side by side in one run')
    .option('--quick', 'the smaller sizes only, shorter timings (under a minute)', false)
    .option('--json <file>', 'write the results as JSON')
    .option('--chart <file>', 'write an SVG of the scaling curves')
    .option('--markdown <file>', 'write the table and the target lines as markdown')
    .option('--no-network', 'leave out broadcastWs (no sockets, no child process)')
    .action(async (opts: { quick: boolean; json?: string; chart?: string; markdown?: string; network: boolean }) => {
      const report = await runBench({ quick: opts.quick, skipNetwork: !opts.network });
      process.stdout.write(`${formatReport(report)}\n`);
      if (opts.json) await write(opts.json, toJson(report));
      if (opts.chart) await write(opts.chart, scalingChart(report));
      if (opts.markdown) await write(opts.markdown, `${formatMarkdown(report)}\n`);
    });
}
